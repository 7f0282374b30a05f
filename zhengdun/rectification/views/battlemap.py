"""Placeholder until this module's pages land."""

urlpatterns: list = []
