"""Generation: time to first token (TTFT), time per output token (TPOT), tokens per second.

One timed generation is the runner's own greedy loop, not `model.generate`, so that every step
ends at a clock reading:

- prefill: the prompt through the model with the KV cache on, the first new token picked by
  argmax; its duration is one TTFT sample;
- then output_length - 1 decode steps, each feeding the last token and the cache and picking the
  next; each duration is one TPOT sample.

The loop has no stopping rule, so the end-of-sequence token is ignored and every generation makes
exactly output_length new tokens per item (what `generate(min_new_tokens=max_new_tokens=N)` makes;
tests/test_runner_generate.py checks the tokens are the same). The whole generation is timed
around the loop by runners/timing.py (warm-up, minimum repeats and duration, time limit), which
gives the end-to-end samples; the step clocks below split it.

Clocks: on the host, `perf_counter_ns` at each step's end (the CPU has finished the step when the
call returns; MPS is synchronised before each reading). On CUDA, an event is recorded in the
stream at each step's end with no synchronisation inside the loop (that would add a host round
trip per token); the events are read once the timed generations are over.
"""

from __future__ import annotations

import inspect
import statistics
import time
from collections.abc import Callable, Sequence

from runners.timing import min_samples_for, percentile, percentiles_note

# percentiles stored for TTFT, TPOT and end-to-end latency (each needs its samples: quality rules)
GENERATION_PERCENTILES = (50, 90)


class HostStepClock:
    """Step boundaries read on the host: `start()`, then `mark()` at the end of each step."""

    def __init__(
        self,
        sync: Callable[[], None] = lambda: None,
        now_ns: Callable[[], int] = time.perf_counter_ns,
    ) -> None:
        self._sync = sync
        self._now_ns = now_ns
        self._marks: list[int] = []

    def start(self) -> None:
        self._sync()
        self._marks = [self._now_ns()]

    def mark(self) -> None:
        self._sync()
        self._marks.append(self._now_ns())

    def durations_ms(self) -> list[float]:
        return [(b - a) / 1e6 for a, b in zip(self._marks, self._marks[1:])]


class CudaStepClock:
    """Step boundaries as CUDA events recorded in the stream; read (synchronising on the last
    event) only by `durations_ms()`, after the timed generations."""

    def __init__(self, new_event: Callable[[], object] | None = None) -> None:
        if new_event is None:
            import torch

            def new_event():
                return torch.cuda.Event(enable_timing=True)

        self._new_event = new_event
        self._events: list = []

    def _record(self) -> None:
        event = self._new_event()
        event.record()
        self._events.append(event)

    def start(self) -> None:
        self._events = []
        self._record()

    def mark(self) -> None:
        self._record()

    def durations_ms(self) -> list[float]:
        if not self._events:
            return []
        self._events[-1].synchronize()
        return [float(a.elapsed_time(b)) for a, b in zip(self._events, self._events[1:])]


def step_clock_factory(device: str) -> Callable[[], HostStepClock | CudaStepClock]:
    """A new clock per generation: CUDA events on a CUDA device, the host's clock elsewhere."""
    if device.startswith("cuda"):
        return CudaStepClock
    if device == "mps":
        import torch

        return lambda: HostStepClock(torch.mps.synchronize)
    return HostStepClock


def _argmax_token(logits):
    return logits[:, -1, :].argmax(dim=-1, keepdim=True)


class GreedyGeneration:
    """Calling it runs one generation (prefill, then output_length - 1 decode steps) and keeps its
    step clock; `steps_ms()` gives each kept generation's step durations (first: the prefill)."""

    def __init__(
        self,
        model,
        prompt: dict,
        output_length: int,
        new_clock: Callable[[], object],
        run: Callable | None = None,
    ):
        """`run` calls the model (torch.compile's wrapper of it); `model` by default."""
        if output_length < 1:
            raise ValueError(f"output length must be >= 1, got {output_length}")
        self.model = model
        self.run = model if run is None else run  # a compiled module has no truth value
        self.prompt = prompt
        self.output_length = output_length
        self.new_clock = new_clock
        self.clocks: list = []
        self.last_tokens = None
        parameters = inspect.signature(model.forward).parameters
        # transformers 5 names the KV cache `cache`; earlier versions `past_key_values`
        self.cache_name = "cache" if "cache" in parameters else "past_key_values"
        self.encoder_decoder = bool(getattr(model.config, "is_encoder_decoder", False))
        # the prefill computes the logits of the last position only, as `generate` does
        self.prefill_options = {"logits_to_keep": 1} if "logits_to_keep" in parameters else {}

    def forget(self) -> None:
        """Drop the generations kept so far (the warm-up's)."""
        self.clocks = []

    def __call__(self):
        model, clock = self.run, self.new_clock()
        clock.start()
        out = model(**self.prompt, use_cache=True, **self.prefill_options)
        token = _argmax_token(out.logits)
        clock.mark()
        tokens = [token]
        cache = getattr(out, self.cache_name)
        if self.encoder_decoder:
            # the encoder ran once, in the prefill; its cross-attention keys sit in the cache
            # (a text encoder's mask goes along; whisper's audio window has none)
            token_name = "decoder_input_ids"
            step_inputs = {"encoder_outputs": (out.encoder_last_hidden_state,)}
            if "attention_mask" in self.prompt:
                step_inputs["attention_mask"] = self.prompt["attention_mask"]
        else:
            token_name, step_inputs = "input_ids", {}
        for _ in range(self.output_length - 1):
            out = model(
                **{token_name: token, self.cache_name: cache}, use_cache=True, **step_inputs
            )
            token = _argmax_token(out.logits)
            cache = getattr(out, self.cache_name)
            clock.mark()
            tokens.append(token)
        self.clocks.append(clock)
        self.last_tokens = tokens
        return tokens

    def steps_ms(self) -> list[list[float]]:
        return [clock.durations_ms() for clock in self.clocks]


def _distribution(name: str, samples: Sequence[float]) -> dict:
    """<name>_mean_ms and the GENERATION_PERCENTILES that have enough samples (else NULL)."""
    fields: dict = {f"{name}_mean_ms": statistics.fmean(samples) if samples else None}
    for q in GENERATION_PERCENTILES:
        enough = len(samples) >= min_samples_for(q)
        fields[f"{name}_p{q}_ms"] = percentile(samples, q) if enough else None
    return fields


def summarize_generation(
    steps_ms: Sequence[Sequence[float]],
    e2e_ms: Sequence[float],
    batch_size: int,
    input_length: int,
    output_length: int,
) -> dict:
    """The generation columns from every timed generation's step durations and end-to-end time.

    TTFT samples: one per generation (its prefill). TPOT samples: every decode step of every
    generation, in order (output_length - 1 per generation). Decode tokens/s: tokens made by the
    decode steps over their time, batch x (output_length - 1) / decode seconds. Total tokens/s:
    prompt and new tokens over the end-to-end time, batch x (input + output) / e2e seconds.
    """
    ttft = [steps[0] for steps in steps_ms if steps]
    tpot = [step for steps in steps_ms for step in steps[1:]]
    e2e = list(e2e_ms)
    fields: dict = {"ttft_ms": ttft, "tpot_ms": tpot, "e2e_latencies_ms": e2e}
    fields.update(_distribution("ttft", ttft))
    fields.update(_distribution("tpot", tpot))
    fields.update(_distribution("e2e_latency", e2e))
    e2e_mean = fields["e2e_latency_mean_ms"]
    fields["e2e_latency_cv"] = (
        statistics.stdev(e2e) / e2e_mean if len(e2e) > 1 and e2e_mean else None
    )
    notes = []
    for name, samples in (("TTFT", ttft), ("TPOT", tpot), ("end-to-end", e2e)):
        note = percentiles_note(len(samples), GENERATION_PERCENTILES)
        if note:
            notes.append(f"{name}: {note}")
    if output_length == 1:
        notes.append("TPOT: no decode step with output length 1 (the prefill makes the token)")
    fields["percentiles_note"] = "; ".join(notes) or None
    decode_seconds = sum(tpot) / 1000
    fields["decode_tokens_per_second"] = (
        batch_size * len(tpot) / decode_seconds if decode_seconds > 0 else None
    )
    fields["total_tokens_per_second"] = (
        batch_size * (input_length + output_length) * 1000 / e2e_mean if e2e_mean else None
    )
    return fields
