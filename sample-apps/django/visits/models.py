from django.db import models


class Visit(models.Model):
    """One row per POST /visits: data that must survive a restart of the stack."""

    at = models.DateTimeField(auto_now_add=True)
