"""What marking a rendition costs next to a plain transcode, and what the mark survives.

    .venv/bin/python bench/bench_rendition.py [--rounds 5] [--seconds 4] [--width 1280]
                                              [--height 720] [--grain 3]

Two test clips are made in a temp dir with the reference engine's renderer (gradients and
moving soft discs, 24 fps): "engine" as it renders, and "grain", the same frames with
Gaussian grain (sigma --grain luma levels) re-encoded at crf 16, closer to camera or model
output. For each clip, in interleaved rounds (order alternating):
  (a) the baseline: a plain PyAV transcode, decode -> libx264 with the rendition's encoder
      settings (preset veryfast, crf 20, yuv420p, faststart, same threading), frames passed
      straight through with their picture type cleared so libx264 chooses I/P/B itself, as
      `ffmpeg -i in.mp4 -c:v libx264` and the rendition do (a decoded frame carries its
      source's type, and libx264 obeys it: IPPP... without B-frames, a cheaper encode);
  (b) render_rendition: the same decode and encode plus the visible mark and the forensic
      mark on every frame.
It prints the medians, the ratio b/a (the figure to track), the same ratio in CPU time (all
threads of the process: less swayed by other load on a shared machine), the marking cost per
frame, the PSNR of forensically marked vs unmarked luma (every frame, before encoding), and
whether the payload reads back from leaked copies of the rendition: re-encoded at a third of
its bitrate and scaled to 640x360 (the acceptance case), crf 35, crf 35 at half size, a
1-second 426x240 excerpt at crf 30. Last, one line `rendition ratio flat: X, grainy: Y` with
both ratios b/a (the goal: at most 1.3). Exit status 1 if the acceptance case does not trace.
"""

import argparse
import math
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.frame import PictureType

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from generation.engine.render import render_video  # noqa: E402
from generation.provenance.credentials import (  # noqa: E402
    ManifestFacts,
    SigningMaterial,
    create_dev_certificate,
    sign_video,
)
from generation.provenance.forensic import embed_frame, read_payload  # noqa: E402
from generation.provenance.pipeline import ENCODER_OPTIONS, render_rendition  # noqa: E402
from generation.provenance.visible import Overlay, VisibleMark  # noqa: E402

PAYLOAD = 0xC0FFEE42
MARK = VisibleMark(text="Early access · Aurora", position="bottom_right", opacity=0.6)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="default 5")
    parser.add_argument("--seconds", type=int, default=4, help="clip length (default 4)")
    parser.add_argument("--width", type=int, default=1280, help="default 1280")
    parser.add_argument("--height", type=int, default=720, help="default 720")
    parser.add_argument("--grain", type=float, default=3.0, help="grain sigma (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    return parser.parse_args()


def add_grain(source: str, destination: str, sigma: float) -> None:
    rng = np.random.default_rng(0)
    with av.open(source) as src, av.open(destination, "w") as out:
        video = src.streams.video[0]
        stream = out.add_stream("h264", rate=video.average_rate, options={"crf": "16"})
        stream.width, stream.height = video.codec_context.width, video.codec_context.height
        stream.pix_fmt = "yuv420p"
        for index, frame in enumerate(src.decode(video)):
            planes = frame.to_ndarray().astype(np.float32)
            planes[: frame.height] += rng.normal(0, sigma, (frame.height, frame.width))
            grainy = av.VideoFrame.from_ndarray(
                np.clip(planes, 0, 255).round().astype(np.uint8), format="yuv420p"
            )
            grainy.pts = index
            out.mux(stream.encode(grainy))
        out.mux(stream.encode(None))


def plain_transcode(source: str, destination: str) -> None:
    """The baseline: what any re-encode of the clip costs, with the rendition's settings."""
    with (
        av.open(source) as src,
        av.open(destination, "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        video = src.streams.video[0]
        video.thread_type = "AUTO"
        stream = out.add_stream("h264", rate=video.average_rate, options=dict(ENCODER_OPTIONS))
        stream.width, stream.height = video.codec_context.width, video.codec_context.height
        stream.pix_fmt, stream.thread_type = "yuv420p", "AUTO"
        for frame in src.decode(video):
            frame.pict_type = PictureType.NONE  # the encoder decides, as in the rendition
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def reencode(source: str, destination: str, *, width, height, crf=None, bit_rate=None, frames=None):
    with av.open(source) as src, av.open(destination, "w") as out:
        video = src.streams.video[0]
        options = {"preset": "veryfast"} | ({"crf": str(crf)} if crf is not None else {})
        stream = out.add_stream("h264", rate=video.average_rate, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if bit_rate:
            stream.bit_rate = int(bit_rate)
        for index, frame in enumerate(src.decode(video)):
            if frames is not None and index >= frames:
                break
            scaled = frame.reformat(width=width, height=height, format="yuv420p")
            scaled.pts, scaled.time_base = index, 1 / Fraction(video.average_rate)
            out.mux(stream.encode(scaled))
        out.mux(stream.encode(None))


def cpu_seconds() -> float:
    """CPU time of this process so far, every thread (the encoder's and decoder's too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def psnr(reference: np.ndarray, distorted: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 images (inf if identical)."""
    mse = float(np.mean((reference.astype(np.float64) - distorted.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def bits_per_second(path: str) -> float:
    with av.open(path) as container:
        return os.path.getsize(path) * 8 / (container.duration / av.time_base)


def marking_cost(source: str) -> tuple[float, float, float, float]:
    """(forensic ms/frame, visible ms/frame, mean PSNR dB, worst PSNR dB) over every frame."""
    with av.open(source) as container:
        frames = [frame.to_ndarray() for frame in container.decode(video=0)]
    height = frames[0].shape[0] * 2 // 3
    overlay = Overlay(MARK, frames[0].shape[1], height)
    started = time.perf_counter()
    marked = [embed_frame(frame[:height], PAYLOAD) for frame in frames]
    forensic_ms = (time.perf_counter() - started) * 1000 / len(frames)
    started = time.perf_counter()
    for frame in frames:
        overlay.apply(frame.copy())
    visible_ms = (time.perf_counter() - started) * 1000 / len(frames)
    values = [psnr(f[:height], m) for f, m in zip(frames, marked, strict=True)]
    return forensic_ms, visible_ms, statistics.mean(values), min(values)


def attacks(rendition: str, work: Path, width: int, height: int) -> list[tuple[str, object]]:
    half_w, half_h = width // 2 // 2 * 2, height // 2 // 2 * 2
    cases = [
        (
            "1/3 bitrate + half size",
            dict(width=half_w, height=half_h, bit_rate=bits_per_second(rendition) / 3),
        ),
        ("crf 35", dict(width=width, height=height, crf=35)),
        ("crf 35 + half size", dict(width=half_w, height=half_h, crf=35)),
        ("1 s excerpt, 426x240 crf 30", dict(width=426, height=240, crf=30, frames=24)),
    ]
    results = []
    for index, (name, options) in enumerate(cases):
        leaked = str(work / f"leak-{index}.mp4")
        reencode(rendition, leaked, **options)
        started = time.perf_counter()
        found = read_payload(leaked)
        seconds = time.perf_counter() - started
        results.append((name, found, bits_per_second(leaked), seconds))
    return results


def signing_seconds(rendition: str, work: Path, rounds: int) -> list[float]:
    """What the Celery build adds after render_rendition: the C2PA manifest, signed."""
    certificate = create_dev_certificate(work / "c2pa")
    material = SigningMaterial(
        chain_pem=certificate.chain_path.read_bytes(),
        key_pem=certificate.key_path.read_bytes(),
        trust_anchors_pem=None,
    )
    facts = ManifestFacts(
        generation_public_id="video_bench",
        model="sora-2",
        program="bench",
        rendition_kind="published",
        forensic_id=PAYLOAD,
        approval={"share_request_id": 1, "approved_by": "bench", "approved_at": "2026-01-01"},
    )
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        sign_video(
            source=Path(rendition), destination=work / "signed.mp4", facts=facts, material=material
        )
        timings.append(time.perf_counter() - started)
    return timings


def main() -> int:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_rendition_"))
    status = 0
    headline = {}
    try:
        engine = str(work / "engine.mp4")
        render_video(
            prompt="a lighthouse at dusk",
            seed=7,
            seconds=args.seconds,
            width=args.width,
            height=args.height,
            path=engine,
        )
        grain = str(work / "grain.mp4")
        add_grain(engine, grain, args.grain)
        print(
            f"clips: {args.seconds} s {args.width}x{args.height} 24 fps, {args.rounds} rounds; "
            f"{os.cpu_count()} CPUs; PyAV {av.__version__}"
        )
        for name, clip in (("engine", engine), ("grain", grain)):
            plain, marked = [], []
            cpu = {"plain": [], "rendition": []}
            rendition = str(work / f"{name}-rendition.mp4")
            for round_ in range(args.rounds + 1):  # round 0 warms up, untimed
                order = ("plain", "rendition") if round_ % 2 else ("rendition", "plain")
                for which in order:
                    started, cpu_started = time.perf_counter(), cpu_seconds()
                    if which == "plain":
                        plain_transcode(clip, str(work / "plain.mp4"))
                    else:
                        render_rendition(
                            source=clip, destination=rendition, payload=PAYLOAD, mark=MARK
                        )
                    elapsed = time.perf_counter() - started
                    if round_:
                        (plain if which == "plain" else marked).append(elapsed)
                        cpu[which].append(cpu_seconds() - cpu_started)
            ratios = [m / p for m, p in zip(marked, plain, strict=True)]
            headline[name] = statistics.median(ratios)
            forensic_ms, visible_ms, mean_psnr, worst_psnr = marking_cost(clip)
            print(
                f"\n[{name}] source {bits_per_second(clip) / 1000:.0f} kbit/s, "
                f"rendition {bits_per_second(rendition) / 1000:.0f} kbit/s"
            )
            print(
                f"  (a) plain transcode   median {statistics.median(plain):6.2f} s  "
                f"(min {min(plain):.2f}, max {max(plain):.2f})"
            )
            print(
                f"  (b) render_rendition  median {statistics.median(marked):6.2f} s  "
                f"(min {min(marked):.2f}, max {max(marked):.2f})"
            )
            print(
                f"  ratio b/a: median of rounds {statistics.median(ratios):.2f}  "
                f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})"
            )
            cpu_ratios = [m / p for m, p in zip(cpu["rendition"], cpu["plain"], strict=True)]
            print(
                f"  CPU time b/a (all threads, steadier on a busy machine): median of rounds "
                f"{statistics.median(cpu_ratios):.2f}  "
                f"(a {statistics.median(cpu['plain']):.2f} s, "
                f"b {statistics.median(cpu['rendition']):.2f} s)"
            )
            signing = statistics.median(signing_seconds(rendition, work, args.rounds))
            print(
                f"  (c) + C2PA signing    median {signing:6.3f} s; whole build (b+c)/a: "
                f"{(statistics.median(marked) + signing) / statistics.median(plain):.2f}"
            )
            print(
                f"  marking per frame: forensic {forensic_ms:.1f} ms, visible {visible_ms:.1f} ms"
            )
            print(
                f"  forensic PSNR vs unmarked luma: mean {mean_psnr:.1f} dB, "
                f"worst frame {worst_psnr:.1f} dB"
            )
            for index, (attack, found, rate, seconds) in enumerate(
                attacks(rendition, work, args.width, args.height)
            ):
                traced = found is not None and found.payload == PAYLOAD
                detail = (
                    f"confidence {found.confidence:.2f}, {found.frames_used} frames"
                    if found
                    else "no mark read"
                )
                print(
                    f"  leak: {attack:<28} {rate / 1000:5.0f} kbit/s  "
                    f"{'TRACED' if traced else 'NOT TRACED':<10} "
                    f"({detail}; read in {seconds:.2f} s)"
                )
                if index == 0 and not traced:
                    status = 1
        print(f"\nrendition ratio flat: {headline['engine']:.2f}, grainy: {headline['grain']:.2f}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
