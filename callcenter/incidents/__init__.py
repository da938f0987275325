"""Incidents for the operators: suggestions and attachment (``desk``)."""
