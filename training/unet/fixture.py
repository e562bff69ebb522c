"""Writes the parity fixture of the TypeScript U-Net runtime (libs/analysis/test/fixtures/unet-parity.json): a tiny
randomly initialised network with trained-like batch-norm statistics, an input and the framework's outputs."""

import base64
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F

from train import UNet, export


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode()


def main(path):
    torch.manual_seed(7)
    net = UNet((3, 5, 6))
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    net.eval()
    export(net, "/tmp/unet-parity-model.json", {"minLesionMm2": 0, "minConsolidationMm2": 0})
    model = json.load(open("/tmp/unet-parity-model.json"))
    x = torch.randn(1, 1, 12, 20)
    with torch.no_grad():
        probs = net(x).softmax(1)
    img = torch.rand(1, 1, 13, 17) * 4 - 2
    small = F.interpolate(img, size=(7, 23), mode="bilinear", align_corners=False)
    fixture = {
        "model": model,
        "input": {"h": 12, "w": 20, "data": b64(x.numpy())},
        "probabilities": b64(probs.numpy()),
        "resize": {"h": 13, "w": 17, "H": 7, "W": 23, "src": b64(img.numpy()), "out": b64(small.numpy())},
    }
    with open(path, "w") as f:
        json.dump(fixture, f)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
