# One way to write dates and times on every page, export and PDF (zhijiao.core.display):
# 2026-12-05 and 2026-12-05 14:03, in Beijing time (settings.TIME_ZONE). Django's own zh_Hans
# formats (2026年12月5日, 2026/12/05) stay out so that a table never mixes two styles.
DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "m-d"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
