"""Reference timing for test/bench/unet.ts and txt2img.ts: one SD1.5 UNet CFG step in plain PyTorch, eager, fp32, CPU.

The same layers as diffusers' UNet2DConditionModel with SD1.5's config (channels 320/640/1280/1280, two
resnets per level, cross-attention transformers on the first three levels and the mid block, 8 heads,
GEGLU feed-forward, 768-wide text states), random weights, a batch of 2 (CFG) 64x64 latents with 77
tokens, median of N calls after a warm-up. diffusers itself is not needed (and not installable
offline); its forward pass is these same torch ops, attention through scaled_dot_product_attention.
  python test/bench/torch_unet_step.py [runs] [threads]
"""
import math

import torch
from torch import nn
from torch.nn import functional as F
from torch_timing import setup, timed, torch_label

TIME_DIM = 1280
TEXT_DIM = 768
HEADS = 8


def norm(c: int, eps: float = 1e-5) -> nn.GroupNorm:
    return nn.GroupNorm(32, c, eps=eps)


class Resnet(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.norm1, self.conv1 = norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(TIME_DIM, cout)
        self.norm2, self.conv2 = norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.shortcut(x) + h


class Attention(nn.Module):
    def __init__(self, c: int, context: int):
        super().__init__()
        self.q = nn.Linear(c, c, bias=False)
        self.k, self.v = nn.Linear(context, c, bias=False), nn.Linear(context, c, bias=False)
        self.out = nn.Linear(c, c)

    def forward(self, x, context):
        b, n, c = x.shape
        heads = lambda t: t.view(b, -1, HEADS, c // HEADS).transpose(1, 2)  # noqa: E731
        a = F.scaled_dot_product_attention(heads(self.q(x)), heads(self.k(context)), heads(self.v(context)))
        return self.out(a.transpose(1, 2).reshape(b, n, c))


class Transformer(nn.Module):
    """Transformer2DModel: GroupNorm, proj_in, one BasicTransformerBlock, proj_out, residual."""

    def __init__(self, c: int):
        super().__init__()
        self.norm, self.proj_in, self.proj_out = norm(c, 1e-6), nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1)
        self.norm1, self.attn1 = nn.LayerNorm(c), Attention(c, c)
        self.norm2, self.attn2 = nn.LayerNorm(c), Attention(c, TEXT_DIM)
        self.norm3, self.geglu, self.ff_out = nn.LayerNorm(c), nn.Linear(c, 8 * c), nn.Linear(4 * c, c)

    def forward(self, x, text):
        b, c, h, w = x.shape
        t = self.proj_in(self.norm(x)).view(b, c, h * w).transpose(1, 2)
        n1 = self.norm1(t)
        t = t + self.attn1(n1, n1)
        t = t + self.attn2(self.norm2(t), text)
        value, gate = self.geglu(self.norm3(t)).chunk(2, dim=-1)
        t = t + self.ff_out(value * F.gelu(gate))
        return x + self.proj_out(t.transpose(1, 2).reshape(b, c, h, w))


class Unet(nn.Module):
    def __init__(self, channels=(320, 640, 1280, 1280), attention=(True, True, True, False), layers=2):
        super().__init__()
        self.time_1, self.time_2 = nn.Linear(channels[0], TIME_DIM), nn.Linear(TIME_DIM, TIME_DIM)
        self.conv_in = nn.Conv2d(4, channels[0], 3, padding=1)
        # Resamplers apart from the blocks: a module set as a ModuleList's attribute joins its iteration.
        self.down, self.downsamplers = nn.ModuleList(), nn.ModuleList()
        skips, prev = [channels[0]], channels[0]
        for level, (out, attn) in enumerate(zip(channels, attention)):
            block = nn.ModuleList()
            for j in range(layers):
                block.append(nn.ModuleList([Resnet(prev, out)] + ([Transformer(out)] if attn else [])))
                prev = out
                skips.append(out)
            self.down.append(block)
            if level < len(channels) - 1:
                self.downsamplers.append(nn.Conv2d(out, out, 3, stride=2, padding=1))
                skips.append(out)
        self.mid = nn.ModuleList([Resnet(prev, prev), Transformer(prev), Resnet(prev, prev)])
        self.up, self.upsamplers = nn.ModuleList(), nn.ModuleList()
        for level, (out, attn) in enumerate(zip(reversed(channels), reversed(attention))):
            block = nn.ModuleList()
            for _ in range(layers + 1):
                block.append(nn.ModuleList([Resnet(prev + skips.pop(), out)] + ([Transformer(out)] if attn else [])))
                prev = out
            self.up.append(block)
            if level < len(channels) - 1:
                self.upsamplers.append(nn.Conv2d(out, out, 3, padding=1))
        self.norm_out, self.conv_out = norm(channels[0]), nn.Conv2d(channels[0], 4, 3, padding=1)

    def time_embedding(self, t, batch: int):
        half = self.conv_in.out_channels // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
        args = t * freqs
        emb = torch.cat([torch.cos(args), torch.sin(args)]).expand(batch, -1)
        return self.time_2(F.silu(self.time_1(emb)))

    def forward(self, x, t, text):
        temb = self.time_embedding(t, x.shape[0])
        h = self.conv_in(x)
        skips = [h]
        for level, block in enumerate(self.down):
            for resnet, *attn in block:
                h = resnet(h, temb)
                for a in attn:
                    h = a(h, text)
                skips.append(h)
            if level < len(self.downsamplers):
                h = self.downsamplers[level](h)
                skips.append(h)
        resnet_a, attn, resnet_b = self.mid
        h = resnet_b(attn(resnet_a(h, temb), text), temb)
        for level, block in enumerate(self.up):
            for resnet, *attn in block:
                h = resnet(torch.cat([h, skips.pop()], dim=1), temb)
                for a in attn:
                    h = a(h, text)
            if level < len(self.upsamplers):
                h = self.upsamplers[level](F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))


def main():
    runs = setup()
    unet = Unet().eval()
    params = sum(p.numel() for p in unet.parameters())
    latent, text = torch.randn(2, 4, 64, 64), torch.randn(2, 77, TEXT_DIM)
    timestep = torch.tensor(999.0)
    print(
        f"{torch_label()} SD1.5 UNet ({params / 1e6:.0f}M parameters), "
        f"CFG step batch 2, 64x64: {timed(lambda: unet(latent, timestep, text), runs)}"
    )


if __name__ == "__main__":
    main()
