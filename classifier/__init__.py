"""Classifier: labels each raw mention and writes it to `mentions.classified`."""
