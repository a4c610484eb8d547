"""oomlab's report generator: records and experiment metadata in, one HTML page, Markdown and figures out.

Run it with `/usr/bin/python3 report/make_report.py`; the modules here are also imported by the tests.
"""
