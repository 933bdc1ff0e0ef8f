"""Browser tests: the widget in a real JupyterLab 4 and Notebook 7 page, driven by headless Chromium."""
