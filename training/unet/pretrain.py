"""Self-supervised start for the `unet` slice model: masked inpainting on unlabelled CT slices.

Fifty labelled slices are few; unlabelled chest CT is not. The network learns to fill masked blocks of lung-window
slices (true-HU NIfTI volumes, e.g. from `mic dicom to-nifti`) brought into the labelled slices' form: the body's
box resized to the grid, a lung window to 8 bits, then the same histogram calibration as the windowed slices.
train.py --init <out> starts from these weights (all but the head).

  python pretrain.py --nifti a.nii.gz b.nii.gz ... --out start.pt [--epochs N]
"""

import argparse
import gzip
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F

from train import FIELD_MM, GRID_MM, UNet, augment, calibrate, net_input

DTYPES = {2: np.uint8, 4: np.int16, 8: np.int32, 16: np.float32, 64: np.float64, 256: np.int8, 512: np.uint16}


def read_nifti(path):
    """NIfTI-1 (gzip or not) -> (z, y, x) float32 with the scaling applied."""
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    dim = struct.unpack_from("<8h", raw, 40)
    dtype = struct.unpack_from("<h", raw, 70)[0]
    off = int(struct.unpack_from("<f", raw, 108)[0])
    slope, inter = struct.unpack_from("<2f", raw, 112)
    nx, ny, nz = dim[1], dim[2], max(1, dim[3])
    a = np.frombuffer(raw, DTYPES[dtype], nx * ny * nz, off).astype(np.float32).reshape(nz, ny, nx)
    return a * (slope if slope else 1.0) + inter


def outside_air(air):
    """Air connected to the image border (the room, not lungs or bowel): a flood fill by repeated dilation."""
    out = np.zeros_like(air)
    out[0, :], out[-1, :], out[:, 0], out[:, -1] = air[0, :], air[-1, :], air[:, 0], air[:, -1]
    while True:
        grown = out.copy()
        grown[1:] |= out[:-1]
        grown[:-1] |= out[1:]
        grown[:, 1:] |= out[:, :-1]
        grown[:, :-1] |= out[:, 1:]
        grown &= air
        if (grown == out).all():
            return out
        out = grown


def slices(vol, step):
    """Slices with lung in them, each as the labelled slices look: the box of the air inside the body (the lungs),
    a lung window, calibrated, on the grid."""
    size = round(FIELD_MM / GRID_MM)
    out = []
    for z in range(0, vol.shape[0], step):
        hu = vol[z, ::-1]  # rows anterior first, as the labelled slices
        inner = (hu < -400) & ~outside_air(hu < -400)
        if inner.mean() < 0.03:
            continue  # no lung at this level
        ys, xs = np.nonzero(inner)
        (y0, y1), (x0, x1) = np.percentile(ys, [0.5, 99.5]), np.percentile(xs, [0.5, 99.5])
        my, mx = 0.08 * (y1 - y0), 0.08 * (x1 - x0)
        y0, y1 = max(0, int(y0 - my)), min(hu.shape[0], int(y1 + my) + 1)
        x0, x1 = max(0, int(x0 - mx)), min(hu.shape[1], int(x1 + mx) + 1)
        box = hu[y0:y1, x0:x1]
        g = np.clip((box + 1350.0) / 1500.0 * 255.0, 0, 255).round().astype(np.uint8)
        x = net_input(calibrate(g))
        out.append(F.interpolate(torch.from_numpy(x)[None, None], size=(size, size), mode="bilinear",
                                 align_corners=False)[0])
    return out


def mask_blocks(x, gen, block=16, share=0.3):
    """A random share of block x block squares per image set to 0 (mid-grey); returns the masked input and mask."""
    n, _, h, w = x.shape
    keep = (torch.rand(n, 1, h // block, w // block, generator=gen) >= share).float()
    m = 1 - F.interpolate(keep, size=(h, w), mode="nearest")
    return x * (1 - m), m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nifti", nargs="+", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--step", type=int, default=2, help="take every step-th slice of a volume")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--widths", default="16,32,64,128")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=192)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    data = [s for p in a.nifti for s in slices(read_nifti(p), a.step)]
    print(f"{len(data)} slices from {len(a.nifti)} volumes", flush=True)
    x = torch.stack(data)
    net = UNet(tuple(int(w) for w in a.widths.split(",")), classes=1)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = a.epochs * ((len(data) + a.batch - 1) // a.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.1)
    t0 = time.time()
    for ep in range(a.epochs):
        net.train()
        perm = torch.randperm(len(data), generator=gen)
        tot = 0.0
        for i in range(0, len(data), a.batch):
            idx = perm[i : i + a.batch]
            xb, _ = augment(x[idx], torch.zeros(len(idx), x.shape[-2], x.shape[-1], dtype=torch.long), gen, a.crop)
            inp, m = mask_blocks(xb, gen)
            err = (net(inp) - xb).abs()
            # The masked blocks carry the task; the rest keeps the output anchored to the input.
            loss = (err * m).sum() / m.sum().clamp(min=1) + 0.1 * err.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss) * len(idx)
        if ep % 5 == 0 or ep == a.epochs - 1:
            print(f"epoch {ep} loss {tot / len(data):.4f} {time.time() - t0:.0f}s", flush=True)
    torch.save({k: v for k, v in net.state_dict().items() if not k.startswith("head.")}, a.out)


if __name__ == "__main__":
    main()
