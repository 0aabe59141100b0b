"""L-BFGS: a quasi-Newton method. It remembers the last `history_size` steps and gradient changes, builds from
them an approximation of the inverse Hessian times the gradient (the two-loop recursion), and walks that
direction, optionally with a strong-Wolfe line search. Each step() calls the closure several times."""
from ..autograd import enable_grad, no_grad
from .. import ops as _f
from ..tensor import Tensor
from .optimizer import Optimizer


def _number(x):
    """A 0-d tensor as a Python number (the engine's alpha= takes numbers)."""
    return x.item() if isinstance(x, Tensor) else x


def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, kept within bounds (by
    default between x1 and x2); the bounds' midpoint when the cubic has no minimum."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (low + high) / 2.0
    d2 = d2_square.sqrt()
    if x1 <= x2:
        at = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        at = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(at, low), high)


class _Point:
    """Where the line search has evaluated: step length t, loss f, flat gradient g, slope along d."""

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step length along d with sufficient decrease (Armijo, c1) and a small enough slope (curvature, c2):
    first widen the step until a bracket holds a minimum, then shrink the bracket by cubic interpolation
    (the Nocedal and Wright algorithm). Returns (loss, flat gradient, t, number of evaluations)."""
    d_norm = d.abs().max()
    start = _Point(0, f, g.clone(), gtd)
    prev = start
    f_new, g_new = evaluate(t, d)
    evals, ls_iter = 1, 0
    new = _Point(t, f_new, g_new, g_new.dot(d))
    bracket, found = None, False
    while ls_iter < max_ls:
        if new.f > f + c1 * new.t * gtd or (ls_iter > 1 and new.f >= prev.f):
            bracket = [prev, _Point(new.t, new.f, new.g.clone(), new.gtd)]
            break
        if abs(new.gtd) <= -c2 * gtd:
            bracket, found = [new], True
            break
        if new.gtd >= 0:
            bracket = [prev, _Point(new.t, new.f, new.g.clone(), new.gtd)]
            break
        # still descending: try a longer step, extrapolated from the last two points
        t = _cubic_minimum(prev.t, prev.f, prev.gtd, new.t, new.f, new.gtd,
                           bounds=(new.t + 0.01 * (new.t - prev.t), new.t * 10))
        prev = _Point(new.t, new.f, new.g.clone(), new.gtd)
        f_new, g_new = evaluate(t, d)
        evals += 1
        ls_iter += 1
        new = _Point(t, f_new, g_new, g_new.dot(d))
    if ls_iter == max_ls:
        bracket = [start, new]  # the search gave up: the better of 0 and t

    def lowest_first():
        return (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)

    low, high = lowest_first()
    stuck = False
    while not found and ls_iter < max_ls:
        ts = [p.t for p in bracket]
        if abs(ts[1] - ts[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(bracket[0].t, bracket[0].f, bracket[0].gtd, bracket[1].t, bracket[1].f, bracket[1].gtd)
        # keep the trial point away from the bracket's ends, where progress stalls
        eps = 0.1 * (max(ts) - min(ts))
        if min(max(ts) - t, t - min(ts)) < eps:
            if stuck or t >= max(ts) or t <= min(ts):
                t = max(ts) - eps if abs(t - max(ts)) < abs(t - min(ts)) else min(ts) + eps
                stuck = False
            else:
                stuck = True
        else:
            stuck = False
        f_new, g_new = evaluate(t, d)
        evals += 1
        ls_iter += 1
        new = _Point(t, f_new, g_new.clone(), g_new.dot(d))
        if new.f > f + c1 * t * gtd or new.f >= bracket[low].f:
            bracket[high] = new
            low, high = lowest_first()
        else:
            if abs(new.gtd) <= -c2 * gtd:
                found = True
            elif new.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = new
    best = bracket[low]
    return best.f, best.g, best.t, evals


class LBFGS(Optimizer):
    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # --- the parameters as one flat vector --------------------------------------------------------------
    def _flat_grad(self):
        return _f.cat([p.grad.reshape(-1) if p.grad is not None else p.new_zeros(p.numel())
                       for p in self._params])

    def _add_step(self, t, direction):
        """Every parameter += t * its slice of the flat direction."""
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(direction[offset:offset + n].view_as(p), alpha=_number(t))
            offset += n

    def _evaluate_at(self, closure, t, d):
        """Loss and flat gradient at the parameters moved by t*d; the parameters are put back afterwards."""
        saved = [p.clone() for p in self._params]
        self._add_step(t, d)
        loss = float(closure())
        g = self._flat_grad()
        for p, value in zip(self._params, saved):
            p.copy_(value)
        return loss, g

    def step(self, closure):
        """Up to max_iter L-BFGS iterations; closure() must zero the gradients, compute the loss, call
        backward() and return the loss. Returns the loss of the first call."""
        with no_grad():
            return self._step(closure)

    def _step(self, closure):
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        def evaluate():
            with enable_grad():
                return closure()

        # all of L-BFGS's memory lives in the state of the first parameter, as in PyTorch
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = evaluate()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if g.abs().max() <= tolerance_grad:
            return orig_loss  # already at a stationary point

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_g, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = g.neg()
                old_dirs, old_stps, ro, h_diag = [], [], [], 1
            else:
                d, h_diag = self._direction(state, g, prev_g, d, t, old_dirs, old_stps, ro, h_diag, history_size)
            if prev_g is None:
                prev_g = g.clone()
            else:
                prev_g.copy_(g)
            prev_loss = loss
            # the first step is scaled down so its length is at most lr
            t = min(1.0, 1.0 / g.abs().sum()) * lr if state["n_iter"] == 1 else lr
            gtd = g.dot(d)
            if gtd > -tolerance_change:
                break  # not a descent direction any more
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                loss, g, t, used = _strong_wolfe(lambda step, direction: self._evaluate_at(evaluate, step, direction),
                                                 t, d, loss, g, gtd, max_ls=max_eval - evals)
                self._add_step(t, d)
                converged = g.abs().max() <= tolerance_grad
            else:
                self._add_step(t, d)
                used, converged = 0, False
                if n_iter != max_iter:  # the last iteration's loss is the next step()'s first evaluation
                    loss = float(evaluate())
                    g = self._flat_grad()
                    converged = g.abs().max() <= tolerance_grad
                    used = 1
            evals += used
            state["func_evals"] += used
            if (n_iter == max_iter or evals >= max_eval or converged
                    or d.mul(t).abs().max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change):
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag, prev_flat_grad=prev_g,
                     prev_loss=prev_loss)
        return orig_loss

    @staticmethod
    def _direction(state, g, prev_g, d, t, old_dirs, old_stps, ro, h_diag, history_size):
        """The quasi-Newton direction -H g by the two-loop recursion, after remembering the last step s = t*d
        and gradient change y (only when y.s > 1e-10, which keeps H positive definite). Returns the direction
        and the new scale of the initial inverse Hessian."""
        y = g.sub(prev_g)
        s = d.mul(t)
        ys = y.dot(s)
        if ys > 1e-10:
            if len(old_dirs) == history_size:
                for memory in (old_dirs, old_stps, ro):
                    memory.pop(0)
            old_dirs.append(y)
            old_stps.append(s)
            ro.append(1.0 / ys)
            h_diag = ys / y.dot(y)
        if "al" not in state:
            state["al"] = [None] * history_size
        al = state["al"]
        q = g.neg()
        for i in reversed(range(len(old_dirs))):
            al[i] = old_stps[i].dot(q) * ro[i]
            q.add_(old_dirs[i], alpha=-_number(al[i]))
        r = q.mul(h_diag)
        for i in range(len(old_dirs)):
            be_i = old_dirs[i].dot(r) * ro[i]
            r.add_(old_stps[i], alpha=_number(al[i] - be_i))
        return r, h_diag
