from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "khata.planning"
    label = "planning"
    verbose_name = "Planning"

    def ready(self) -> None:
        from khata.clients.panels import (
            CompanyPanel,
            ContactPanel,
            register_company_panel,
            register_contact_panel,
            register_merge_hook,
        )
        from khata.planning.services import enrolments_revive_unmerged, enrolments_settle_merge

        register_company_panel(CompanyPanel("planning", "planning:company_panel"))
        register_contact_panel(ContactPanel("planning", "planning:contact_panel"))
        register_merge_hook(enrolments_settle_merge, name="planning.enrolments",
                            undo=enrolments_revive_unmerged)
