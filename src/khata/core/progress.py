"""The command line's progress bar (imports, scoring runs, training)."""


def progress_bar(stream, unit: str = "rows"):
    """A `progress(done, total)` callback: a one-line bar on a terminal, plain lines otherwise
    (logs, CI)."""
    def show(done: int, total: int) -> None:
        share = done / total if total else 1
        if stream.isatty():
            filled = int(share * 30)
            stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,} {unit}")
            if done >= total:
                stream.write("\n")
        else:
            stream.write(f"{done:,}/{total:,} {unit}\n")
        stream.flush()
    return show
