"""Which share of a job this process does: rank, number of processes, and a barrier.

Under ``torchrun --nproc_per_node N`` or ``accelerate launch`` (``WORLD_SIZE > 1``) the answer
comes from ``accelerate.PartialState``; a caller can also name the share itself (``rank``,
``world_size``: e.g. one job per machine of a cluster without a process group), and otherwise one
process does everything. Work is split round-robin (:meth:`Processes.owns`): item ``i`` belongs to
process ``i % N``, which needs no count of the items in advance (a corpus's number of shards is
only known once its whole input has been read).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Processes", "processes"]


def _no_wait() -> None:
    return None


@dataclass(frozen=True)
class Processes:
    """This process's place among the processes of a job.

    Attributes
    ----------
    rank : int
        This process, from 0.
    world : int
        Number of processes.
    barrier : callable
        Waits until every process has called it (does nothing with one process or a rank given
        by hand).
    """

    rank: int = 0
    world: int = 1
    barrier: Callable[[], None] = field(default=_no_wait, repr=False, compare=False)

    @property
    def first(self) -> bool:
        """Whether this is process 0 (the one that merges and cleans up)."""
        return self.rank == 0

    def owns(self, i: int) -> bool:
        """Whether item ``i`` is this process's work (round-robin)."""
        return i % self.world == self.rank


def processes(rank: int | None = None, world_size: int | None = None, *, cpu: bool = False) -> Processes:
    """This process's share: given by hand, from ``torchrun``/``accelerate launch``, or all of it.

    Parameters
    ----------
    rank, world_size : int, optional
        Both or neither. Given, they are used as they are (no process group, no barrier).
    cpu : bool
        The job runs on the CPU: the process group is gloo (``PartialState(cpu=True)``; without
        it there is no process group on a machine without a GPU).
    """
    if (rank is None) != (world_size is None):
        raise ValueError("give both rank and world_size, or neither")
    if rank is not None:
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in 0..{world_size - 1}, got {rank}")
        return Processes(int(rank), int(world_size))
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # torchrun / accelerate launch
        from accelerate import PartialState

        state = PartialState(cpu=cpu)
        return Processes(state.process_index, state.num_processes, state.wait_for_everyone)
    return Processes()
