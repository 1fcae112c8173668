"""The markdown page of a report: the header, the training, inference and GPU tables."""

from __future__ import annotations


def training_rows(training: dict[str, dict[str, object]]) -> list[str]:
    """Return the markdown rows of the training table."""
    rows = [
        "| implementation | runs | precision | train s | tokens/s | padding | val. accuracy "
        "| peak memory MiB | GFLOP/s | MFU | MFU counting padding |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in training.items():
        rows.append(
            f"| {name} | {row['rounds']} | {row['precision']} | {row['train_seconds']:.1f} "
            f"| {row['tokens_per_second']:,.0f} | {row['padding_share']:.1%} "
            f"| {row['accuracy']:.2%} | {row['peak_memory_mib']:,.0f} "
            f"| {row['achieved_gflops']:.1f} | {row['mfu']:.1%} | {row['mfu_with_padding']:.1%} |"
        )
    return rows


def inference_rows(inference: dict[str, object] | None) -> list[str]:
    """Return the markdown lines of the inference section."""
    if inference is None:
        return ["Not run yet."]
    names = {
        "helpers": "helpers `SentimentClassifier.predict_probabilities` (batch 64, length-sorted)",
        "pipeline": "`pipeline(...)(texts)` as a learner calls it (default batch size 1)",
        "pipeline_bs32": "`pipeline(...)(texts, batch_size=32)`",
    }
    rows = [
        f"{inference['sentences']} validation sentences, same model (embedded MiniLM, fresh "
        f"head, seed 0), fp32; medians of {inference['rounds']} round(s).",
        "",
        "| method | sentences/s | identical argmax vs helpers | accuracy (untrained head) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for method, row in inference["methods"].items():
        rows.append(
            f"| {names[method]} | {row['sentences_per_second']:,.1f} "
            f"| {row['identical_to_helpers']:.1%} | {row['accuracy']:.1%} |"
        )
    methods = inference["methods"]
    helpers_rate = methods["helpers"]["sentences_per_second"]
    rows += [
        "",
        f"helpers / pipeline (defaults): **{helpers_rate / methods['pipeline']['sentences_per_second']:.2f}x**; "
        f"helpers / pipeline (batch_size=32): "
        f"**{helpers_rate / methods['pipeline_bs32']['sentences_per_second']:.2f}x**.",
    ]
    return rows


def gpu_rows(gpu: dict[str, dict[str, float]] | None, machine: dict[str, object]) -> list[str]:
    """Return the markdown lines of the GPU section."""
    if gpu is None:
        reason = "not asked (--gpu-model-config bert-base)" if machine["gpu"] else "no CUDA GPU"
        return [f"Not run: {reason}."]
    rows = [
        "| precision | tokens/s | GFLOP/s | MFU | peak memory MiB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for precision, row in gpu.items():
        rows.append(
            f"| {precision} | {row['tokens_per_second']:,.0f} | {row['achieved_gflops']:,.0f} "
            f"| {row['mfu']:.1%} | {row['peak_memory_mib']:,.0f} |"
        )
    return rows


def ratio_line(ratios: dict[str, float]) -> str:
    """Return the sentence giving helpers' tokens-per-second ratios."""
    parts = [f"helpers / {key.split('_')[2]}: **{value:.2f}x**" for key, value in ratios.items()]
    return "Tokens per second, " + "; ".join(parts) + "." if parts else ""


def peak_line(report: dict[str, object]) -> str:
    """Return the sentence giving the measured matmul peaks and the MFU formula."""
    peaks = report["matmul_peaks"] or {}
    measured = ", ".join(
        f"{name} {peak['gflops']:.2f} GFLOP/s ({peak['size']}x{peak['size']})"
        for name, peak in peaks.items()
    )
    return (
        f"Measured matmul peak (fastest of repeated square matmuls, in each training process; "
        f"median): {measured}. MFU = achieved model FLOP/s / peak of the precision used; "
        f"{report['flops_formula']}. Tokens/s: non-padding tokens over training time only "
        "(evaluation excluded). 'MFU counting padding' applies the same formula to the padded "
        "batches: the arithmetic the hardware actually did. Peak memory: max RSS of each worker process (CUDA max "
        "allocated on a GPU)."
    )


def header_lines(report: dict[str, object]) -> list[str]:
    """Return the title, machine, versions and work description."""
    machine, config, load = report["machine"], report["config"], report["load_average"]
    versions = ", ".join(f"{name} {version}" for name, version in report["versions"].items())
    return [
        f"# Fine-tuning speed{' (quick mode)' if report['quick'] else ''}",
        "",
        f"{report['date_utc']} UTC; rounds completed: {report['rounds_completed']} of "
        f"{config['rounds']}. Machine: {machine['cpu']} ({machine['cpu_capability']}), "
        f"{machine['cores_usable']} usable cores, torch threads: {machine['torch_threads']} "
        f"({'set with --threads' if config['threads'] else 'torch default'}), "
        f"GPU: {machine['gpu'] or 'none'}. Load average (1/5/15 min): start {load['start']}, "
        f"end {load['end']} (shared machine: timings are noisy).",
        "",
        f"Versions: {versions}.",
        "",
        f"Work: all-MiniLM-L6-v2 with a fresh 2-label head, {config['train_rows']} SST-2 "
        f"training rows (seed {config['seed']}), {config['epochs']} epoch(s), batch "
        f"{config['batch_size']}, lr {config['learning_rate']}, weight decay "
        f"{config['weight_decay']}, linear schedule with {config['warmup_fraction']:.0%} warmup "
        f"({report['warmup_rule']}), gradient clipping {config['max_grad_norm']}, max length "
        f"{config['max_length']}; validation accuracy after the last epoch. Each run in its "
        "own process, the implementations alternating; figures are medians over rounds.",
    ]


def markdown(report: dict[str, object]) -> str:
    """Return the report as a markdown page."""
    lines = [
        *header_lines(report),
        "",
        "## Training",
        "",
        *training_rows(report["training"]),
        "",
        ratio_line(report["ratios"]),
        "",
        peak_line(report),
        "",
        "## Inference",
        "",
        *inference_rows(report["inference"]),
        "",
        "## GPU (random-weight bert-base, batch 32, length 128, bf16 and fp16)",
        "",
        *gpu_rows(report["gpu"], report["machine"]),
        "",
    ]
    return "\n".join(lines)
