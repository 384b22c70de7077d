"""Topic clustering of the stored proposals: embeddings -> clusters -> Korean labels -> stable topics.

Modules: algorithms (clustering without a number of topics), labels (class-based TF-IDF), assign (a new proposal to
its nearest topic), recluster (the full background job), stats (what the dashboard shows), schema (tables).
"""
