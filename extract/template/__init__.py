"""Domain knowledge of the national annual-report template (2019 and 2021 versions)."""
