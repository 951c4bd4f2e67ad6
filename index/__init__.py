"""Index: writes classified mentions to the search backend (Elasticsearch or tantivy) and serves search."""
