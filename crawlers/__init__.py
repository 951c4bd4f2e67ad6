"""Crawlers (Scrapy): Facebook, Zalo and news mentions into `mentions.raw`."""
