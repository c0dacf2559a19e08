"""xxgk: extract, land, model and check China's government information-disclosure annual reports."""
