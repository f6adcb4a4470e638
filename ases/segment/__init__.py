"""Stage 5, segment: score each piece of a CoT, tag it AS or ES, merge neighbours; the cached scorer.

Each strategy is one file here and one ``conf/seg/<name>.yaml``; the config folder is the
registry. Imports data, tasks, models (not training: the pipeline hands the scorer fit in).
"""
