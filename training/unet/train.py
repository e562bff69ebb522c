"""Trains the `unet` slice model (GGO / consolidation on windowed axial CT slices) and exports it for mic.

The platform runs the network in TypeScript (libs/analysis/src/slices/unet.ts); this script only produces weights.
Input of the network: pseudo-HU from the image's own histogram (the same anchors as calibrate.ts), clipped to
[-1050, 0] HU and scaled to [-1.1, 1], on a 1.25 mm grid (windowed slices are taken as 320 mm wide).

  python train.py --images <Imgs> --labels <GT> --out model.json [--holdout names.txt] [--epochs N] [--slice-dice W]
                  [--init start.pt]
"""

import argparse
import base64
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

GRID_MM = 1.25
FIELD_MM = 320.0
LUNG_HU, TISSUE_HU = -850.0, 0.0


def calibrate(g):
    """Port of calibrateWindowed (calibrate.ts): grey -> pseudo-HU by the aerated-lung mode and the window top."""
    h = np.bincount(g.ravel(), minlength=256).astype(np.float64)
    s = np.zeros(256)
    for v in range(256):
        lo, hi = max(0, v - 4), min(255, v + 4)
        s[v] = h[lo : hi + 1].sum() / (hi - lo + 1)
    total, tot_sum = s.sum(), (np.arange(256) * s).sum()
    w0 = s0 = 0.0
    best, best_var = 0, -1.0
    for t in range(255):
        w0 += s[t]
        s0 += t * s[t]
        w1 = total - w0
        if w0 == 0 or w1 == 0:
            continue
        between = w0 * w1 * (s0 / w0 - (tot_sum - s0) / w1) ** 2
        if between > best_var:
            best_var, best = between, t
    lung = 0
    for v in range(3, best + 1):
        if s[v] > s[lung]:
            lung = v
    acc, low = 0.0, 0
    while low < 255:
        acc += s[low]
        if acc >= 0.03 * g.size:
            break
        low += 1
    lung = min(lung, low + 15)
    a = (TISSUE_HU - LUNG_HU) / (255 - lung)
    return a * g.astype(np.float32) + (LUNG_HU - a * lung)


def net_input(hu):
    return (np.clip(hu, -1050.0, 0.0) + 525.0) / 477.0


def load(images, labels):
    names = sorted((os.path.splitext(f)[0] for f in os.listdir(images)), key=lambda s: (len(s), s))
    out = []
    for n in names:
        img = next(f for f in os.listdir(images) if os.path.splitext(f)[0] == n)
        g = np.asarray(Image.open(os.path.join(images, img)).convert("L"))
        lab = Image.open(os.path.join(labels, n + ".png"))
        t = np.asarray(lab)
        if lab.mode != "P":
            t = np.asarray(lab.convert("L"))
            t = np.where(t >= 192, 2, np.where(t >= 64, 1, t)) if t.max() > 2 else t
        size = round(FIELD_MM / GRID_MM)
        x = net_input(calibrate(g))
        xt = F.interpolate(torch.from_numpy(x)[None, None], size=(size, size), mode="bilinear", align_corners=False)
        tt = F.interpolate(torch.from_numpy(t.astype(np.float32))[None, None], size=(size, size), mode="nearest")
        out.append((n, xt[0], tt[0, 0].long()))
    return out


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    """Plain U-Net: two 3x3 conv-BN-ReLU per level, 2x2 max-pool down, nearest 2x up + conv, skip concatenation."""

    def __init__(self, widths=(16, 32, 64, 128), classes=3):
        super().__init__()
        self.widths = list(widths)
        self.down = nn.ModuleList()
        cin = 1
        for w in widths:
            self.down.append(block(cin, w))
            cin = w
        self.up = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.up.append(block(cin + w, w))
            cin = w
        self.head = nn.Conv2d(cin, classes, 1)
        self.drop = nn.Dropout2d(0.1)

    def forward(self, x):
        skips = []
        for i, b in enumerate(self.down):
            if i:
                x = F.max_pool2d(x, 2)
            x = b(x)
            skips.append(x)
        x = self.drop(x)
        for b, s in zip(self.up, reversed(skips[:-1])):
            x = F.interpolate(x, scale_factor=2, mode="nearest")
            x = b(torch.cat([x, s], 1))
        return self.head(x)


def augment(x, t, gen, crop):
    """Random rotation, scale, shift, flips and intensity jitter; output crop x crop."""
    n = x.shape[0]
    r = lambda lo, hi: torch.rand(n, generator=gen) * (hi - lo) + lo
    ang = r(-0.25, 0.25)
    sc = r(0.8, 1.25)
    fx = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    fy = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    k = crop / x.shape[-1]
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = torch.cos(ang) * k / sc * fx
    theta[:, 0, 1] = -torch.sin(ang) * k / sc
    theta[:, 1, 0] = torch.sin(ang) * k / sc
    theta[:, 1, 1] = torch.cos(ang) * k / sc * fy
    theta[:, 0, 2] = r(-0.15, 0.15)
    theta[:, 1, 2] = r(-0.15, 0.15)
    grid = F.affine_grid(theta, (n, 1, crop, crop), align_corners=False)
    xo = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    to = F.grid_sample(t[:, None].float(), grid, mode="nearest", padding_mode="zeros", align_corners=False)
    gain = r(0.85, 1.15)[:, None, None, None]
    bias = r(-0.12, 0.12)[:, None, None, None]
    xo = xo * gain + bias + torch.randn(xo.shape, generator=gen) * 0.03
    return xo, to[:, 0].long()


def soft_dice(p, t, dims=None):
    """(2 |p t| + 1) / (|p| + |t| + 1), summed over dims (all when None)."""
    return (2 * (p * t).sum(dims) + 1) / (p.sum(dims) + t.sum(dims) + 1)


def loss_fn(logits, t, image_dice=0.0, per_slice=0.0):
    ce = F.cross_entropy(logits, t, weight=torch.tensor([1.0, 1.5, 2.0]))
    p = logits.softmax(1)
    onehot = F.one_hot(t, 3).permute(0, 3, 1, 2).float()
    dice = soft_dice(p, onehot, (0, 2, 3))
    dinf = soft_dice(p[:, 1:].sum(1), (t > 0).float())
    loss = ce + (1 - dice[1]) + (1 - dice[2]) + (1 - dinf)
    if image_dice:
        # The score is a mean of per-slice Dice: a small consolidation counts as much as a large one, and any
        # consolidation called on a slice without one scores 0. The batch Dice above sees neither.
        loss = loss + image_dice * (1 - soft_dice(p[:, 2], onehot[:, 2], (1, 2))).mean()
    if per_slice:
        # The score itself: per-slice Dice of infection, GGO and consolidation, averaged over slices. All three, so
        # that the consolidation term alone (image_dice) no longer pulls GGO pixels into consolidation.
        per = soft_dice(p[:, 1:], onehot[:, 1:], (2, 3))
        pinf = soft_dice(p[:, 1:].sum(1), (t > 0).float(), (1, 2))
        loss = loss + per_slice * ((1 - per).mean() * 2 + (1 - pinf).mean()) / 3
    return loss


def slice_dice(pred, truth):
    out = []
    for sel in (lambda a: a > 0, lambda a: a == 1, lambda a: a == 2):
        p, t = sel(pred), sel(truth)
        s = p.sum() + t.sum()
        out.append(None if s == 0 else float(2 * (p & t).sum() / s))
    return out


def mean_dice(rows):
    return [float(np.mean([r[k] for r in rows if r[k] is not None])) for k in range(3)]


def train(data, epochs, seed, widths, batch, crop, log, image_dice=0.0, per_slice=0.0, init=None):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = UNet(widths)
    if init:
        # Weights of pretrain.py (all but the head); the head starts fresh.
        missing, unexpected = net.load_state_dict(torch.load(init), strict=False)
        assert not unexpected and all(k.startswith("head.") for k in missing), (missing, unexpected)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    x = torch.stack([d[1] for d in data])
    t = torch.stack([d[2] for d in data])
    steps = epochs * math.ceil(len(data) / batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.1)
    t0 = time.time()
    for ep in range(epochs):
        net.train()
        perm = torch.randperm(len(data), generator=gen)
        tot = 0.0
        for i in range(0, len(data), batch):
            idx = perm[i : i + batch]
            xb, tb = augment(x[idx], t[idx], gen, crop)
            loss = loss_fn(net(xb), tb, image_dice, per_slice)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss) * len(idx)
        if log and (ep % 10 == 0 or ep == epochs - 1):
            print(f"epoch {ep} loss {tot / len(data):.4f} {time.time() - t0:.0f}s", flush=True)
    return net.eval()


def predict(net, x):
    with torch.no_grad():
        return net(x[None]).argmax(1)[0].numpy()


def fold_bn(conv, bn):
    """Conv without bias followed by eval-mode BatchNorm -> one conv with bias."""
    k = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return conv.weight * k[:, None, None, None], bn.bias - bn.running_mean * k


def export(net, path, meta):
    layers = []

    def add(w, b):
        layers.append(
            {
                "out": w.shape[0],
                "in": w.shape[1],
                "k": w.shape[2],
                "w": base64.b64encode(w.detach().numpy().astype("<f4").tobytes()).decode(),
                "b": base64.b64encode(b.detach().numpy().astype("<f4").tobytes()).decode(),
            }
        )

    for blk in list(net.down) + list(net.up):
        add(*fold_bn(blk[0], blk[1]))
        add(*fold_bn(blk[3], blk[4]))
    add(net.head.weight, net.head.bias)
    model = {"format": "mic-slice-unet", "version": 1, "widths": net.widths, "gridMm": GRID_MM, **meta, "layers": layers}
    with open(path, "w") as f:
        json.dump(model, f)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--holdout", help="file with the names (stems) to leave out and score")
    ap.add_argument("--epochs", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--widths", default="16,32,64,128")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=192)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--image-dice", type=float, default=0.0,
                    help="weight of a per-slice consolidation Dice term (0: off, as shipped; see docs/lesions.md)")
    ap.add_argument("--slice-dice", type=float, default=2.0,
                    help="weight of per-slice Dice terms of infection, GGO and consolidation (2, as shipped; 0: off)")
    ap.add_argument("--init", help="start from these weights (pretrain.py) instead of random ones")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    data = load(a.images, a.labels)
    held = set(open(a.holdout).read().split()) if a.holdout else set()
    part = [d for d in data if d[0] not in held]
    widths = tuple(int(w) for w in a.widths.split(","))
    net = train(part, a.epochs, a.seed, widths, a.batch, a.crop, True, a.image_dice, a.slice_dice, a.init)
    meta = {"minLesionMm2": 30, "minConsolidationMm2": 50, "trainedOn": len(part), "epochs": a.epochs, "seed": a.seed,
            "imageDice": a.image_dice, "sliceDice": a.slice_dice, **({"pretrained": True} if a.init else {})}
    export(net, a.out, meta)
    if held:
        rows = [slice_dice(predict(net, d[1]), d[2].numpy()) for d in data if d[0] in held]
        print("held-out dice (1.25 mm grid):", [round(v, 3) for v in mean_dice(rows)])


if __name__ == "__main__":
    main()
