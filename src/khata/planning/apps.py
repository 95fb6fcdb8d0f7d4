from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "khata.planning"
    label = "planning"
    verbose_name = "Planning"

    def ready(self) -> None:
        from khata.clients.panels import CompanyPanel, register_company_panel

        register_company_panel(CompanyPanel("planning", "planning:company_panel"))
