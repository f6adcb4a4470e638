"""Segmenters: score each piece of a CoT, tag it AS or ES, merge neighbours.

Each strategy is one file here and one ``conf/seg/<name>.yaml``; the config folder is the
registry.
"""
