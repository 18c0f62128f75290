"""The executor: one small interface (MXNet's engine.h), three implementations of it.

The interface, one module per implementation with the same functions:

- ``push(fn, args, kwargs, ..., reads, writes, ...)``: run ``fn(*args, **kwargs)``, which reads
  the memory of the owners ``reads`` and writes that of ``writes``, after every op pushed before
  that writes what it reads, or reads or writes what it writes (MXNet's PushAsync, with its
  const and mutable vars). A Var (``_vars``), the dependency state of one memory owner, is made
  for an owner when an op on it is first pushed (MXNet's NewVariable).
- ``wait(owner, ...)``: block until no op on that memory is pending (WaitForVar).
- ``wait_all()``: block until every pushed op has finished (WaitForAll).

Implementations: ``_naive`` (every op at once, in the calling thread), ``_threaded`` (CPU ops on
worker threads, by a dependency scheduler), ``_gpu`` (GPU ops on a pool of CUDA streams per
device, ordered by events). ``dnp.engine`` selects one (``_settings``: threaded or naive; the
threaded engine runs GPU ops on streams).

Beside them: ``_vars`` (Vars, and the readiness test dispatch asks), ``_cost`` (how much work an
op is, as measured: what dispatch pushes), ``_pool`` (buffer reuse: recycled output memory),
``_host`` (the unit of work, measured when dnp loads), ``_errors`` (errors carried to sync
points). ``dnp/_execute.py``, above dispatch, decides per CPU call whether to run it now or push
it to the threaded engine.
"""
