"""The LPL training step in PyTorch on the CPU: a peer of `npm run bench`'s step.

The same work as one step of src/lpl/train.ts: VGG-11 (3x3 convolutions with
padding 1, ReLU, a 2x2 max pool after blocks 1, 2, 4, 6, 8 while the map is
larger than 1x1; channels 64..512 times the width), both views as one batch of
2B images, every block's input detached (layer-local), z = the block output
averaged over positions, and per block

    L = lambda_pred * mean((z1 - z2)^2)
      + lambda_hebb * (H(z1) + H(z2)) / 2,   H(z) = -mean(log(var_b(z) + eps))
      + lambda_decorr * (D(z1) + D(z2)) / 2, D(z) = sum_{i!=j} C_ij^2 / (M^2 - M)

with the batch mean detached in the variance and the covariance C; Adam with
coupled L2 weight decay on the weights (not the biases). The images are random
(the bench times the step, not the data). Prints one JSON line.

Run by benchmarks/peers/pytorch.ts only where `python3 -c 'import torch'` works;
PyTorch is never a dependency of the project.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

VGG11 = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]


def blocks(in_channels: int, size: int, width: float) -> torch.nn.ModuleList:
    """One Sequential per conv (conv + ReLU [+ pool]), as src/nn/vgg.ts builds them."""
    out = torch.nn.ModuleList()
    channels, side = in_channels, size
    for spec in VGG11:
        if spec == "M":
            if side > 1:  # a pool on a 1x1 map is left out, as with a small input there
                out[-1].append(torch.nn.MaxPool2d(2))
                side //= 2
            continue
        width_channels = max(1, round(spec * width))
        out.append(torch.nn.Sequential(torch.nn.Conv2d(channels, width_channels, 3, padding=1), torch.nn.ReLU()))
        channels = width_channels
    return out


def hebbian(z: torch.Tensor, eps: float) -> torch.Tensor:
    d = z - z.mean(0, keepdim=True).detach()
    variance = (d * d).sum(0) / (z.shape[0] - 1)
    return -torch.log(variance + eps).mean()


def decorrelation(z: torch.Tensor) -> torch.Tensor:
    batch, m = z.shape
    d = z - z.mean(0, keepdim=True).detach()
    c = d.t() @ d / (batch - 1)
    off = c - torch.diag(torch.diagonal(c))
    return (off * off).sum() / (m * m - m)


def layer_losses(net: torch.nn.ModuleList, x: torch.Tensor, batch: int) -> list:
    """Each block's LPL loss for the two views stacked in x ([2B, C, H, W])."""
    losses = []
    h = x
    for block in net:
        h = block(h.detach())  # layer-local: no gradient into the block below
        z = h.mean((2, 3))  # [2B, M]
        z1, z2 = z[:batch], z[batch:]
        losses.append(
            F.mse_loss(z1, z2)
            + 1.0 * 0.5 * (hebbian(z1, 1e-4) + hebbian(z2, 1e-4))
            + 10.0 * 0.5 * (decorrelation(z1) + decorrelation(z2))
        )
    return losses


class Encoder(torch.nn.Module):
    """The blocks under the names src/nn/vgg.ts gives them (blocks.K.0.weight), so that its weights load."""

    def __init__(self, in_channels: int, size: int, width: float):
        super().__init__()
        self.blocks = blocks(in_channels, size, width)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--in-channels", type=int, required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--width", type=float, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(24)

    encoder = Encoder(args.in_channels, args.size, args.width)
    net = encoder.blocks
    weights = [p for name, p in encoder.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in encoder.named_parameters() if name.endswith("bias")]
    optimizer = torch.optim.Adam([{"params": weights, "weight_decay": 1.5e-6}, {"params": biases, "weight_decay": 0.0}], lr=1e-3)
    x = torch.randn(2 * args.batch, args.in_channels, args.size, args.size)

    def step() -> float:
        optimizer.zero_grad(set_to_none=True)
        total = sum(layer_losses(net, x, args.batch))
        total.backward()
        optimizer.step()
        return float(total.detach())

    step()  # warm-up, as the bench does for ours
    started = time.perf_counter()
    for _ in range(args.steps):
        step()
    ms = (time.perf_counter() - started) * 1000 / args.steps
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "msPerStep": ms,
                "imagesPerSecond": args.batch * 1000 / ms,
                "mkldnn": torch.backends.mkldnn.is_available(),
            }
        )
    )


if __name__ == "__main__":
    main()
