"""Exports usable as they are in a mandate report: spreadsheets, chart images, PDFs.

A pure package (never imports streamlit). The app's download buttons call:
  reports.tables.to_csv_bytes / to_xlsx_bytes   → bytes of a .csv / .xlsx
  reports.images.figure_png / figure_svg / map_png / map_svg → bytes of a .png / .svg
  reports.pdf.portrait_pdf / mandate_pdf          → bytes of a .pdf
Modules are imported lazily so that a CSV export does not load plotly or reportlab.
"""
