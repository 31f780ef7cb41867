"""Printing: 督办单, the monthly bulletin and a task's record as PDF made by the server.

`pdf.py` prints HTML with the system Chromium (`--print-to-pdf`); `documents.py` renders
the print templates (`templates/printing/`) into the HTML it prints.
"""
