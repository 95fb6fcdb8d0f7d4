from django.apps import AppConfig


class ProspectingConfig(AppConfig):
    name = "khata.prospecting"
    label = "prospecting"
    verbose_name = "Prospecting"

    def ready(self) -> None:
        from khata.clients.panels import CompanyPanel, register_company_panel
        from khata.prospecting import importing  # noqa: F401  (registers the importer)

        register_company_panel(CompanyPanel("fit", "fit:company_fit"))
