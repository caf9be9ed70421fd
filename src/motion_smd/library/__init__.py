"""Motion library, text search, composition and editing (issue #17; DESIGN.md "The second round").

Modules, each with one job:
    labels      clip labels from file names, manifests and user captions
    embed       sentence embeddings of label and event texts (sentence-transformers)
    features    the SMD feature vector of a motion (angle ranges, repetitions, trajectory) for `--like`
    index       `smd library build`: the Parquet index plus the canonical motions, incremental
    search      text and `--like` search over an index
    rig         rotation-space operations on BVH channel data (rigid moves, resampling, mirroring, scaling)
    stitch      the motion-matching transition cost, root alignment and inertialization at seams
    plan        a request ("walk forward 3 m, turn left, then wave") parsed into ordered actions
    compose     retrieval, trimming and stitching of a plan into one motion
    edit        speed, mirror, repeat, trim, reverse and joint scaling of one motion
    check       the closed-loop check: the result described again and compared with the request
    seams       seam-quality measures (root jump, joint acceleration, foot sliding)

Everything sits above the describer (data flows io → describer → library), and every output is checked by
describing it again (`check`).
"""
