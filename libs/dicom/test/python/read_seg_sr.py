"""Reads a SEG and an SR back with pydicom + highdicom and prints what it found as JSON (the test compares)."""
import json
import sys

import highdicom as hd
import numpy as np
import pydicom


def main(seg_path, sr_path, expected_path):
    expected = json.load(open(expected_path))
    seg = hd.seg.segread(seg_path)
    segments = []
    for n in seg.segment_numbers:
        d = seg.get_segment_description(n)
        segments.append({
            "number": n,
            "label": d.segment_label,
            "category": d.segmented_property_category.value,
            "type": d.segmented_property_type.value,
            "algorithm": d.algorithm_identification[0].AlgorithmName if d.algorithm_identification else None,
        })
    uids = expected["sourceInstanceUids"]
    pixels = seg.get_pixels_by_source_instance(
        source_sop_instance_uids=uids, combine_segments=True, ignore_spatial_locations=True
    )
    labels = np.fromfile(expected["labelsPath"], dtype=np.uint8).reshape(len(uids), seg.Rows, seg.Columns)
    mismatches = int(np.count_nonzero(pixels.astype(np.uint8) != labels))

    sr = hd.sr.srread(sr_path)
    groups = sr.content.get_volumetric_roi_measurement_groups()
    measured = []
    for g in groups:
        vol = [m for m in g.get_measurements() if m.name.value == "118565006"]
        measured.append({
            "tracking": g.tracking_identifier,
            "volume": float(vol[0].value) if vol else None,
            "unit": vol[0].unit.value if vol else None,
            "segment": int(g.referenced_segment.referenced_segment_numbers[0]) if g.referenced_segment else None,
        })
    print(json.dumps({
        "frames": int(seg.NumberOfFrames),
        "segments": segments,
        "pixelMismatches": mismatches,
        "labelledVoxels": int(np.count_nonzero(pixels)),
        "srClass": pydicom.dcmread(sr_path).SOPClassUID,
        "groups": measured,
    }))


if __name__ == "__main__":
    main(*sys.argv[1:4])
