from django.apps import AppConfig


class ReliabilityConfig(AppConfig):
    name = "khata.reliability"
    label = "reliability"
    verbose_name = "Reliability"

    def ready(self) -> None:
        from khata.clients.panels import CompanyPanel, register_company_panel
        from khata.reliability import importing  # noqa: F401  (registers the importers)

        register_company_panel(CompanyPanel("reliability", "reliability:card"))

        from khata.clients.panels import register_merge_hook
        from khata.reliability.services import (
            reliability_settle_merge,
            reliability_settle_unmerge,
        )

        register_merge_hook(reliability_settle_merge, name="reliability.assessments",
                            undo=reliability_settle_unmerge)
