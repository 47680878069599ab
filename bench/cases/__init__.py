"""The benchmark cases, in the order the report lists them."""

from bench.cases import export, queries, save, startup, sync, ui, xlsx

CASES = {
    "startup": startup.run,
    "save": save.run,
    "queries": queries.run,
    "export": export.run,
    "export-xlsx": xlsx.run,
    "ui": ui.run,
    "sync": sync.run,
}
