"""The roster app's pages (server-rendered, with htmx), one module per area, mirroring
roster/api/."""
