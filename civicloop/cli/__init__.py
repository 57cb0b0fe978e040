"""The `civicloop` command and its subcommands.

`main` dispatches; `analyze` (`civicloop analyze …`) and `feedback_text`
(`civicloop feedback redact|themes …`) work on files without Django or a database; everything
else is a Django management command.
"""
