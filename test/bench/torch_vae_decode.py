"""Reference timing for test/bench/vae.ts: the SD1.5 VAE decoder in plain PyTorch, eager, fp32, CPU.

The same layers as diffusers' AutoencoderKL decoder (post_quant_conv, conv_in, mid block with one
attention, 4 up blocks of 3 resnets with nearest-2x + 3x3 conv between them, GroupNorm(32, eps 1e-6),
SiLU, conv_out), random weights, one 64x64 latent -> 512x512, median of N runs. diffusers itself is not
needed (and not installable offline); its forward pass is these same torch ops.
  python test/bench/torch_vae_decode.py [runs] [threads]
"""
import torch
from torch import nn
from torch.nn import functional as F
from torch_timing import setup, timed, torch_label


def norm(c: int) -> nn.GroupNorm:
    return nn.GroupNorm(32, c, eps=1e-6)


class Resnet(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.norm1, self.conv1 = norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2, self.conv2 = norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return self.shortcut(x) + h


class Attention(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.norm = norm(c)
        self.q, self.k, self.v, self.out = (nn.Linear(c, c) for _ in range(4))

    def forward(self, x):
        b, c, h, w = x.shape
        t = self.norm(x).view(b, c, h * w).transpose(1, 2)
        a = F.scaled_dot_product_attention(self.q(t)[:, None], self.k(t)[:, None], self.v(t)[:, None])
        return x + self.out(a[:, 0]).transpose(1, 2).reshape(b, c, h, w)


class Decoder(nn.Module):
    def __init__(self, channels=(128, 256, 512, 512), latent=4, layers=2):
        super().__init__()
        rev = list(reversed(channels))
        self.post_quant_conv = nn.Conv2d(latent, latent, 1)
        self.conv_in = nn.Conv2d(latent, rev[0], 3, padding=1)
        self.mid = nn.ModuleList([Resnet(rev[0], rev[0]), Attention(rev[0]), Resnet(rev[0], rev[0])])
        # Upsamplers apart from the blocks: a module set as a ModuleList's attribute joins its iteration.
        self.up, self.upsamplers = nn.ModuleList(), nn.ModuleList()
        prev = rev[0]
        for level, out in enumerate(rev):
            self.up.append(nn.ModuleList([Resnet(prev if j == 0 else out, out) for j in range(layers + 1)]))
            if level < len(rev) - 1:
                self.upsamplers.append(nn.Conv2d(out, out, 3, padding=1))
            prev = out
        self.norm_out, self.conv_out = norm(channels[0]), nn.Conv2d(channels[0], 3, 3, padding=1)

    def forward(self, z):
        h = self.conv_in(self.post_quant_conv(z))
        for layer in self.mid:
            h = layer(h)
        for level, block in enumerate(self.up):
            for resnet in block:
                h = resnet(h)
            if level < len(self.upsamplers):
                h = self.upsamplers[level](F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))


def main():
    runs = setup()
    decoder = Decoder().eval()
    latent = torch.randn(1, 4, 64, 64)
    print(f"{torch_label()} VAE decode 64x64 -> 512x512: {timed(lambda: decoder(latent), runs)}")


if __name__ == "__main__":
    main()
