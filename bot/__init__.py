"""dieuphoi: the coordination assistant of a provincial COVID-19 IT task force."""

__version__ = "0.1.0"
