"""Reading the configuration: RIS's IntegrationService.xml, the naming rules, the options
joined into tables. Reads files at its edge, pure past it.
"""
