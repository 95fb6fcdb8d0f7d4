"""The `khata` command as a person uses it: help, clear one-line errors, users and tokens."""

import pytest

from tests.helpers import khata

pytestmark = pytest.mark.integration


@pytest.fixture
def fresh_home(tmp_path):
    """An empty KHATA_HOME with its own (not yet migrated) SQLite database."""
    return {"KHATA_HOME": str(tmp_path), "KHATA_DATABASE_URL": "", "KHATA_TASKS": "sqlite"}


def test_overview_lists_the_commands():
    result = khata("--help")

    assert result.returncode == 0
    for command in ["demo", "serve", "worker", "user", "token", "migrate", "check", "shell"]:
        assert f"  {command}" in result.stdout


@pytest.mark.parametrize("command", ["demo", "serve", "worker", "user", "token"])
def test_every_command_has_help(command, fresh_home):
    result = khata(command, "--help", env=fresh_home)

    assert result.returncode == 0, result.stderr
    assert "usage: khata" in result.stdout


def test_an_unmigrated_database_is_one_clear_line(fresh_home):
    result = khata("user", "list", env=fresh_home)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        result.stderr.strip().splitlines()[0]]
    assert "Run `khata migrate` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_one_clear_line(fresh_home):
    env = {**fresh_home,
           "KHATA_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}

    result = khata("user", "list", env=env)

    assert result.returncode == 1
    assert result.stderr.startswith("khata: cannot reach the database 127.0.0.1:1/none")
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_configuration_is_one_clear_line(fresh_home):
    result = khata("check", env={**fresh_home, "KHATA_TASKS": "carrier-pigeon"})

    assert result.returncode == 1
    assert "KHATA_TASKS must be" in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_to_start_on_an_unmigrated_database(fresh_home):
    result = khata("serve", "--port", "8999", env=fresh_home)

    assert result.returncode == 1
    assert "migration(s) are pending" in result.stderr and "--migrate" in result.stderr


def test_bad_arguments_are_explained(fresh_home):
    assert khata("migrate", env=fresh_home).returncode == 0

    wrong_role = khata("user", "add", "a@example.com", "--role", "boss", env=fresh_home)
    bad_email = khata("user", "add", "not-an-email", "--role", "manager", env=fresh_home)

    assert wrong_role.returncode == 2 and "invalid choice: 'boss'" in wrong_role.stderr
    assert bad_email.returncode == 1
    assert "email: Enter a valid e-mail address." in bad_email.stderr
    assert "Traceback" not in bad_email.stderr + wrong_role.stderr


def test_add_a_user_then_make_list_and_revoke_a_token(fresh_home):
    assert khata("migrate", env=fresh_home).returncode == 0

    added = khata("user", "add", "Asha@Firm.in", "--role", "manager", "--name", "Asha Rao",
                  env=fresh_home)
    again = khata("user", "add", "asha@firm.in", "--role", "manager", env=fresh_home)
    token = khata("token", "create", "asha@firm.in", "--name", "export", env=fresh_home)
    listing = khata("token", "list", "asha@firm.in", env=fresh_home)
    prefix = token.stdout.strip().split("_")[1]
    revoked = khata("token", "revoke", prefix, env=fresh_home)
    after = khata("token", "list", "asha@firm.in", env=fresh_home)

    assert added.returncode == 0 and "Appointed asha@firm.in" in added.stdout
    assert "http://127.0.0.1:8000/account/set-password/" in added.stdout
    assert again.returncode == 1 and "already exists" in again.stderr
    assert token.returncode == 0 and token.stdout.startswith("khata_")
    assert f"khata_{prefix}  active" in listing.stdout
    assert revoked.returncode == 0
    assert f"khata_{prefix}  revoked" in after.stdout


def test_demo_prepares_accounts_that_can_sign_in(fresh_home):
    result = khata("demo", "--no-serve", "--companies", "10", env=fresh_home, timeout=120)

    assert result.returncode == 0, result.stderr
    assert "head@example.com" in result.stdout and "khata-head-demo" in result.stdout
    users = khata("user", "list", env=fresh_home).stdout
    assert "manager1@example.com" in users and "manager2@example.com" in users


def test_production_profile_passes_check_deploy(fresh_home):
    env = {**fresh_home, "KHATA_HTTPS": "1", "KHATA_DEBUG": "0",
           "KHATA_ALLOWED_HOSTS": "crm.example.com"}

    result = khata("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_import_a_file_from_the_command_line(fresh_home, tmp_path):
    assert khata("migrate", env=fresh_home).returncode == 0
    khata("user", "add", "asha@firm.in", "--role", "manager", "--password",
          "a-long-enough-password-1", env=fresh_home)
    source = tmp_path / "clients.csv"
    source.write_text("Org;Town;GSTIN\nTata Steel;Mumbai;27AAPFU0939F1ZV\nBad;Pune;123\n",
                      encoding="utf-8")

    result = khata("import", "companies", str(source), "--user", "asha@firm.in",
                   "--map", "Org=display_name", "--map", "Town=city", env=fresh_home)
    again = khata("import", "companies", str(source), "--user", "asha@firm.in",
                  "--map", "Org=display_name", "--map", "Town=city", env=fresh_home)

    assert result.returncode == 0, result.stderr
    assert "1 added, 0 updated, 0 skipped as duplicates, 1 rejected." in result.stdout
    assert "2/2 rows" in result.stderr
    rejected = (tmp_path / "clients.csv.rejected.csv").read_text(encoding="utf-8-sig")
    assert "Bad;Pune;123" not in rejected and "Bad,Pune,123" in rejected
    assert "1 skipped as duplicates" in again.stdout
    missing = khata("import", "companies", str(tmp_path / "nope.csv"), "--user",
                    "asha@firm.in", env=fresh_home)
    assert missing.returncode == 1 and "No file at" in missing.stderr


def test_export_from_the_command_line(fresh_home, tmp_path):
    assert khata("migrate", env=fresh_home).returncode == 0
    khata("user", "add", "asha@firm.in", "--role", "manager", "--password",
          "a-long-enough-password-1", env=fresh_home)
    source = tmp_path / "in.csv"
    source.write_text("name,lifecycle\nAlpha,client\nBeta,prospect\n", encoding="utf-8")
    khata("import", "companies", str(source), "--user", "asha@firm.in", env=fresh_home)

    result = khata("export", "companies", "--user", "asha@firm.in", "--lifecycle", "client",
                   "-o", str(tmp_path / "out.csv"), env=fresh_home)

    assert result.returncode == 0, result.stderr
    assert "1 companies written" in result.stdout
    assert "Alpha" in (tmp_path / "out.csv").read_text(encoding="utf-8-sig")


def test_a_postgres_queue_needs_a_postgres_database(fresh_home):
    result = khata("check", env={**fresh_home, "KHATA_TASKS": "postgres"})

    assert result.returncode == 1
    assert "KHATA_TASKS=postgres keeps the queue in the main database" in result.stderr


def test_an_unreachable_queue_is_one_clear_line(fresh_home):
    env = {**fresh_home, "KHATA_TASKS": "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}

    result = khata("check", env=env)

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("khata: cannot reach the task queue (KHATA_TASKS)")


def test_demo_refuses_a_database_with_real_users(fresh_home):
    assert khata("migrate", env=fresh_home).returncode == 0
    khata("user", "add", "asha@firm.in", "--role", "head", env=fresh_home)

    result = khata("demo", "--no-serve", env=fresh_home)

    assert result.returncode == 1 and "real users" in result.stderr


def test_appoint_cover_an_absence_and_dismiss_from_the_command_line(fresh_home):
    assert khata("migrate", env=fresh_home).returncode == 0
    for email, role in [("head@firm.in", "head"), ("asha@firm.in", "manager"),
                        ("sita@firm.in", "manager"), ("vikram@firm.in", "manager")]:
        assert khata("user", "add", email, "--role", role, env=fresh_home).returncode == 0

    absent = khata("absence", "add", "asha@firm.in", "--substitute", "sita@firm.in",
                   "--from", "2031-01-05", "--to", "2031-01-09", "--reason", "vacation",
                   env=fresh_home)
    clash = khata("absence", "add", "asha@firm.in", "--substitute", "vikram@firm.in",
                  "--from", "2031-01-08", "--to", "2031-01-12", "--reason", "illness",
                  env=fresh_home)
    self_cover = khata("absence", "add", "asha@firm.in", "--substitute", "asha@firm.in",
                       "--from", "2031-02-01", "--to", "2031-02-02", "--reason", "other",
                       env=fresh_home)
    listing = khata("absence", "list", env=fresh_home)
    preview = khata("user", "dismiss", "asha@firm.in", "--to", "vikram@firm.in", "--dry-run",
                    env=fresh_home)
    bad_assign = khata("user", "dismiss", "asha@firm.in", "--to", "vikram@firm.in",
                       "--assign", "Kerala=sita@firm.in", env=fresh_home)
    dismissed = khata("user", "dismiss", "sita@firm.in", "--to", "vikram@firm.in",
                      env=fresh_home)
    users = khata("user", "list", env=fresh_home)
    after = khata("absence", "list", env=fresh_home)

    assert absent.returncode == 0, absent.stderr
    assert "sita@firm.in covers asha@firm.in from 2031-01-05 00:00 until 2031-01-10 00:00" \
        in absent.stdout
    assert clash.returncode == 1 and "already away" in clash.stderr
    assert self_cover.returncode == 1 and "cannot cover their own absence" in self_cover.stderr
    assert "covered by sita@firm.in" in listing.stdout
    assert preview.returncode == 0 and "Dry run: nothing changed." in preview.stdout
    assert bad_assign.returncode == 1 and "--assign needs --split-by" in bad_assign.stderr
    assert dismissed.returncode == 0, dismissed.stderr
    assert "Dismissed sita@firm.in" in dismissed.stdout
    assert any(line.startswith("sita@firm.in") and "inactive" in line
               for line in users.stdout.splitlines())
    # Sita's future cover was cancelled with her dismissal.
    assert "sita@firm.in" not in after.stdout
