"""What the market's models share."""

CURRENCY_HELP = "ISO 4217 code, e.g. EUR"
