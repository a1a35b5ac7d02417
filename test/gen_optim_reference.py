#!/usr/bin/python3
"""Reference trajectories for test/spec/optim_spec.lua.

Run with Debian's python3-torch (1.13): /usr/bin/python3 test/gen_optim_reference.py
It writes test/data/optim_reference.lua. Where torch.optim's formula is
Torch7's (rmsprop, adagrad, adadelta, adamax, sgd without lr decay), the
functional cases use torch.optim; where it is not (Torch7's adam puts epsilon
outside the bias correction, sgd's learningRateDecay, nag, lbfgs's L1 stopping
tests, cg), a plain Python transcription of the Torch7 formula is used. The
object API (optim.SGD, optim.Adam, ...) follows PyTorch and is checked against
torch.optim directly; the schedulers against torch.optim.lr_scheduler.
Everything is float64.
"""
import math
import os

import torch

torch.set_default_dtype(torch.float64)
STEPS = 50

# ---------------------------------------------------------------- problems
A = [[math.sin(4 * i + j + 1) for j in range(4)] for i in range(6)]
B = [math.cos(i + 1) for i in range(6)]
At, Bt = torch.tensor(A), torch.tensor(B)

PROBLEMS = {
    'rosen2': [-1.2, 1.0],
    'rosen4': [-1.2, 1.0, -0.5, 0.8],
    'lsq': [0.5, -0.5, 0.25, 1.0],
}


def fval(problem, x):
    """f(x) for a 1-D tensor x (differentiable through autograd)."""
    if problem.startswith('rosen'):
        return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
    r = At @ x - Bt
    return 0.5 * (r * r).sum()


def feval(problem, x):
    """f, df/dx as Python float and a new tensor (autograd, independent of
    the hand-written gradients of the Lua spec)."""
    x = x.detach().clone().requires_grad_(True)
    f = fval(problem, x)
    f.backward()
    return f.item(), x.grad.detach()


# ------------------------------------------- Torch7 formulas in plain Python
def t7_sgd(problem, cfg):
    x = torch.tensor(PROBLEMS[problem])
    lr, lrd = cfg.get('learningRate', 1e-3), cfg.get('learningRateDecay', 0)
    wd, mom = cfg.get('weightDecay', 0), cfg.get('momentum', 0)
    damp, nest = cfg.get('dampening', mom), cfg.get('nesterov', False)
    lrs = cfg.get('learningRates')
    wds = cfg.get('weightDecays')
    buf, fs, xs = None, [], []
    for n in range(STEPS):
        f, g = feval(problem, x)
        if wd != 0:
            g = g + wd * x
        elif wds is not None:
            g = g + torch.tensor(wds) * x
        if mom != 0:
            buf = g.clone() if buf is None else mom * buf + (1 - damp) * g
            g = g + mom * buf if nest else buf
        clr = lr / (1 + n * lrd)
        if lrs is not None:
            g = torch.tensor(lrs) * g
        x = x - clr * g
        fs.append(f)
        xs.append(x.tolist())
    return fs, xs


def t7_adam(problem, cfg):
    x = torch.tensor(PROBLEMS[problem])
    lr, lrd = cfg.get('learningRate', 1e-3), cfg.get('learningRateDecay', 0)
    b1, b2 = cfg.get('beta1', 0.9), cfg.get('beta2', 0.999)
    eps, wd = cfg.get('epsilon', 1e-8), cfg.get('weightDecay', 0)
    ams = cfg.get('amsgrad', False)
    m, v, vmax = torch.zeros_like(x), torch.zeros_like(x), torch.zeros_like(x)
    fs, xs = [], []
    for t in range(1, STEPS + 1):
        f, g = feval(problem, x)
        if wd != 0:
            g = g + wd * x
        clr = lr / (1 + (t - 1) * lrd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        if ams:
            vmax = torch.maximum(vmax, v)
        denom = (vmax if ams else v).sqrt() + eps
        step = clr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        x = x - step * m / denom
        fs.append(f)
        xs.append(x.tolist())
    return fs, xs


def t7_nag(problem, cfg):
    x = torch.tensor(PROBLEMS[problem])
    lr, lrd = cfg.get('learningRate', 1e-3), cfg.get('learningRateDecay', 0)
    wd, mom = cfg.get('weightDecay', 0), cfg.get('momentum', 0.9)
    v, fs, xs = None, [], []
    for n in range(STEPS):
        x_copy = x.clone()
        if v is not None:
            x = x + mom * v
        f, g = feval(problem, x)
        if wd != 0:
            g = g + wd * x
        clr = lr / (1 + n * lrd)
        v = torch.zeros_like(x) if v is None else mom * v
        v = v - clr * g
        x = x_copy + v
        fs.append(f)
        xs.append(x.tolist())
    return fs, xs


def t7_lbfgs(problem, cfg, calls=1):
    """Torch7's lbfgs without a line search; `calls` calls share the state."""
    x = torch.tensor(PROBLEMS[problem])
    max_iter = cfg.get('maxIter', 20)
    max_eval = cfg.get('maxEval', max_iter * 1.25)
    tol_fun, tol_x = cfg.get('tolFun', 1e-5), cfg.get('tolX', 1e-9)
    ncorr, lr = cfg.get('nCorrection', 100), cfg.get('learningRate', 1)
    st = {'nIter': 0, 'funcEval': 0}
    out = []
    for _ in range(calls):
        f, g = feval(problem, x)
        hist, n_eval = [f], 1
        st['funcEval'] += 1
        if g.abs().sum() <= tol_fun:
            out.append((hist, x.tolist(), n_eval))
            continue
        d, t = st.get('d'), st.get('t')
        dirs, stps = st.get('dirs'), st.get('stps')
        hdiag, g_old, f_old = st.get('Hdiag'), st.get('g_old'), st.get('f_old')
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            st['nIter'] += 1
            if st['nIter'] == 1:
                d, dirs, stps, hdiag = -g, [], [], 1.0
            else:
                y, s = g - g_old, d * t
                ys = float(y @ s)
                if ys > 1e-10:
                    if len(dirs) == ncorr:
                        dirs.pop(0)
                        stps.pop(0)
                    dirs.append(s)
                    stps.append(y)
                    hdiag = ys / float(y @ y)
                k = len(dirs)
                ro = [1 / float(stps[i] @ dirs[i]) for i in range(k)]
                al = [0.0] * k
                q = -g
                for i in range(k - 1, -1, -1):
                    al[i] = float(dirs[i] @ q) * ro[i]
                    q = q - al[i] * stps[i]
                r = q * hdiag
                for i in range(k):
                    be = float(stps[i] @ r) * ro[i]
                    r = r + (al[i] - be) * dirs[i]
                d = r
            g_old, f_old = g.clone(), f
            gtd = float(g @ d)
            if gtd > -tol_x:
                break
            t = min(1, 1 / float(g.abs().sum())) * lr if st['nIter'] == 1 else lr
            x = x + t * d
            ls = 0
            if n_iter != max_iter:
                f, g = feval(problem, x)
                ls = 1
                hist.append(f)
            n_eval += ls
            st['funcEval'] += ls
            if n_iter == max_iter or n_eval >= max_eval:
                break
            if g.abs().sum() <= tol_fun or (d * t).abs().sum() <= tol_x or abs(f - f_old) < tol_x:
                break
        st.update(d=d, t=t, dirs=dirs, stps=stps, Hdiag=hdiag, g_old=g_old, f_old=f_old)
        out.append((hist, x.tolist(), n_eval))
    return out


def t7_cg(problem, cfg):
    """Rasmussen's minimize.m line search + Polak-Ribiere directions (Torch7's cg)."""
    x = torch.tensor(PROBLEMS[problem])
    rho, sig = cfg.get('rho', 0.01), cfg.get('sig', 0.5)
    intr, ext = cfg.get('int', 0.1), cfg.get('ext', 3.0)
    max_iter = cfg.get('maxIter', 20)
    ratio = cfg.get('ratio', 100)
    max_eval = cfg.get('maxEval', max_iter * 1.25)
    fx, i, ls_failed = [], 0, False
    f1, df1 = feval(problem, x)
    fx.append(f1)
    i += 1
    s = -df1
    d1 = float(-(s @ s))
    z1 = 1 / (1 - d1)
    while i < abs(max_eval):
        x0, f0, df0 = x.clone(), f1, df1.clone()
        x = x + z1 * s
        f2, df2 = feval(problem, x)
        i += 1
        d2 = float(df2 @ s)
        f3, d3, z3 = f1, d1, -z1
        m = min(max_iter, max_eval - i)
        success, limit = False, -1
        while True:
            while (f2 > f1 + z1 * rho * d1 or d2 > -sig * d1) and m > 0:
                limit = z1
                if f2 > f1:
                    z2 = z3 - (0.5 * d3 * z3 * z3) / (d3 * z3 + f2 - f3)
                else:
                    a = 6 * (f2 - f3) / z3 + 3 * (d2 + d3)
                    b = 3 * (f3 - f2) - z3 * (d3 + 2 * d2)
                    try:
                        z2 = (math.sqrt(b * b - a * d2 * z3 * z3) - b) / a
                    except (ValueError, ZeroDivisionError):
                        z2 = float('nan')
                if z2 != z2 or math.isinf(z2):
                    z2 = z3 / 2
                z2 = max(min(z2, intr * z3), (1 - intr) * z3)
                z1 += z2
                x = x + z2 * s
                f2, df2 = feval(problem, x)
                i += 1
                m -= 1
                d2 = float(df2 @ s)
                z3 -= z2
            if f2 > f1 + z1 * rho * d1 or d2 > -sig * d1:
                break
            if d2 > sig * d1:
                success = True
                break
            if m == 0:
                break
            a = 6 * (f2 - f3) / z3 + 3 * (d2 + d3)
            b = 3 * (f3 - f2) - z3 * (d3 + 2 * d2)
            try:
                z2 = -d2 * z3 * z3 / (b + math.sqrt(b * b - a * d2 * z3 * z3))
            except (ValueError, ZeroDivisionError):
                z2 = float('nan')
            if z2 != z2 or math.isinf(z2) or z2 < 0:
                z2 = z1 * (ext - 1) if limit < -0.5 else (limit - z1) / 2
            elif limit > -0.5 and z2 + z1 > limit:
                z2 = (limit - z1) / 2
            elif limit < -0.5 and z2 + z1 > z1 * ext:
                z2 = z1 * (ext - 1)
            elif z2 < -z3 * intr:
                z2 = -z3 * intr
            elif limit > -0.5 and z2 < (limit - z1) * (1 - intr):
                z2 = (limit - z1) * (1 - intr)
            f3, d3, z3 = f2, d2, -z2
            z1 += z2
            x = x + z2 * s
            f2, df2 = feval(problem, x)
            i += 1
            m -= 1
            d2 = float(df2 @ s)
        if success:
            f1 = f2
            fx.append(f1)
            ss = (float(df2 @ df2) - float(df2 @ df1)) / float(df1 @ df1)
            s = ss * s - df2
            df1, df2 = df2, df1
            d2 = float(df1 @ s)
            if d2 > 0:
                s = -df1
                d2 = float(-(s @ s))
            z1 = z1 * min(ratio, d1 / (d2 - 1e-320))
            d1 = d2
            ls_failed = False
        else:
            x, f1, df1 = x0, f0, df0
            if ls_failed or i > max_eval:
                break
            df1, df2 = df2, df1
            s = -df1
            d1 = float(-(s @ s))
            z1 = 1 / (1 - d1)
            ls_failed = True
    return fx, x.tolist(), i


# ------------------------------------------------------ torch.optim drivers
def run_torch(problem, make, split=None):
    """Runs a torch.optim optimizer; x is split into params of sizes `split`."""
    x0 = PROBLEMS[problem]
    split = split or [len(x0)]
    params, k = [], 0
    for n in split:
        params.append(torch.tensor(x0[k:k + n], requires_grad=True))
        k += n
    opt = make(params)
    fs, xs = [], []
    for _ in range(STEPS):
        opt.zero_grad()
        f = fval(problem, torch.cat(params))
        f.backward()
        opt.step()
        fs.append(f.item())
        xs.append(torch.cat(params).tolist())
    return fs, xs


def torch_for_t7(name, problem, cfg):
    """Functional cases whose Torch7 formula is torch.optim's."""
    lr = cfg.get('learningRate')
    wd = cfg.get('weightDecay', 0)
    if name == 'sgd':
        mom = cfg.get('momentum', 0)
        mk = lambda p: torch.optim.SGD(p, lr=cfg.get('learningRate', 1e-3), momentum=mom,
                                       dampening=cfg.get('dampening', mom), weight_decay=wd,
                                       nesterov=cfg.get('nesterov', False))
    elif name == 'rmsprop':
        mk = lambda p: torch.optim.RMSprop(p, lr=lr or 1e-2, alpha=cfg.get('alpha', 0.99),
                                           eps=cfg.get('epsilon', 1e-8), weight_decay=wd,
                                           momentum=cfg.get('momentum', 0),
                                           centered=cfg.get('centered', False))
    elif name == 'adagrad':
        mk = lambda p: torch.optim.Adagrad(p, lr=lr or 1e-3, lr_decay=cfg.get('learningRateDecay', 0),
                                           weight_decay=wd, eps=1e-10)
    elif name == 'adadelta':
        mk = lambda p: torch.optim.Adadelta(p, lr=lr or 1.0, rho=cfg.get('rho', 0.9),
                                            eps=cfg.get('eps', 1e-6), weight_decay=wd)
    elif name == 'adamax':
        mk = lambda p: torch.optim.Adamax(p, lr=lr or 0.002, betas=(cfg.get('beta1', 0.9), cfg.get('beta2', 0.999)),
                                          eps=cfg.get('epsilon', 1e-38), weight_decay=wd)
    elif name == 'adamw':
        mk = lambda p: torch.optim.AdamW(p, lr=lr or 1e-3, betas=(cfg.get('beta1', 0.9), cfg.get('beta2', 0.999)),
                                         eps=cfg.get('epsilon', 1e-8), weight_decay=cfg.get('weightDecay', 1e-2),
                                         amsgrad=cfg.get('amsgrad', False))
    return run_torch(problem, mk)


FUNCTIONAL = [
    ('sgd', 'rosen2', {'learningRate': 1e-3}),
    ('sgd', 'rosen2', {'learningRate': 1e-3, 'learningRateDecay': 0.01}),
    ('sgd', 'lsq', {'learningRate': 0.1, 'momentum': 0.9}),
    ('sgd', 'lsq', {'learningRate': 0.05, 'momentum': 0.9, 'dampening': 0, 'nesterov': True}),
    ('sgd', 'lsq', {'learningRate': 0.05, 'momentum': 0.5, 'dampening': 0.1, 'weightDecay': 0.01}),
    ('sgd', 'rosen4', {'learningRate': 2e-4, 'momentum': 0.9, 'dampening': 0}),
    ('sgd', 'lsq', {'learningRate': 0.1, 'learningRates': [1, 0.5, 2, 1], 'weightDecays': [0, 0.1, 0.2, 0]}),
    ('adam', 'rosen2', {'learningRate': 0.05}),
    ('adam', 'lsq', {'learningRate': 0.1, 'beta1': 0.8, 'beta2': 0.99, 'epsilon': 1e-6, 'weightDecay': 0.01}),
    ('adam', 'lsq', {'learningRate': 0.1, 'learningRateDecay': 0.05}),
    ('adam', 'rosen4', {'learningRate': 0.02, 'amsgrad': True}),
    ('adamw', 'lsq', {'learningRate': 0.05, 'weightDecay': 0.1}),
    ('adamw', 'rosen2', {'learningRate': 0.02, 'amsgrad': True}),
    ('rmsprop', 'rosen2', {'learningRate': 1e-3}),
    ('rmsprop', 'lsq', {'learningRate': 0.01, 'alpha': 0.9, 'epsilon': 1e-6, 'weightDecay': 0.01}),
    ('rmsprop', 'lsq', {'learningRate': 0.01, 'centered': True, 'momentum': 0.5}),
    ('adagrad', 'rosen2', {'learningRate': 0.1}),
    ('adagrad', 'lsq', {'learningRate': 0.5, 'learningRateDecay': 0.1, 'weightDecay': 0.01}),
    ('adadelta', 'rosen2', {}),
    ('adadelta', 'lsq', {'rho': 0.95, 'eps': 1e-4, 'weightDecay': 0.01}),
    ('adamax', 'rosen2', {'learningRate': 0.02}),
    ('adamax', 'lsq', {'learningRate': 0.05, 'beta1': 0.8, 'beta2': 0.99, 'epsilon': 1e-8, 'weightDecay': 0.01}),
    ('nag', 'lsq', {'learningRate': 0.05, 'momentum': 0.9}),
    ('nag', 'rosen2', {'learningRate': 2e-4, 'momentum': 0.8, 'weightDecay': 0.01, 'learningRateDecay': 0.01}),
]

OBJECT = [
    ('SGD', 'lsq', [2, 2], [{'lr': 0.1}], {}),
    ('SGD', 'lsq', [2, 2], [{'lr': 0.05, 'momentum': 0.9, 'nesterov': True, 'weightDecay': 0.01}], {}),
    ('SGD', 'rosen4', [3, 1], [{'lr': 2e-4, 'momentum': 0.9, 'dampening': 0.1}], {}),
    ('SGD', 'lsq', [2, 2], [{'lr': 0.1}, {'lr': 0.01, 'momentum': 0.5}], {'momentum': 0.2}),
    ('Adam', 'rosen2', [1, 1], [{'lr': 0.05}], {}),
    ('Adam', 'lsq', [2, 2], [{'lr': 0.05, 'betas': [0.8, 0.99], 'eps': 1e-6, 'weightDecay': 0.1, 'amsgrad': True}], {}),
    ('AdamW', 'lsq', [3, 1], [{'lr': 0.05, 'weightDecay': 0.1}], {}),
    ('RMSprop', 'rosen2', [2], [{'lr': 0.01}], {}),
    ('RMSprop', 'lsq', [2, 2], [{'lr': 0.01, 'momentum': 0.5, 'centered': True, 'weightDecay': 0.01}], {}),
    ('Adagrad', 'lsq', [2, 2], [{'lr': 0.1, 'lrDecay': 0.01}], {'initialAccumulatorValue': 0.1}),
    ('Adadelta', 'rosen2', [2], [{'lr': 1.0, 'rho': 0.9}], {}),
    ('Adamax', 'lsq', [2, 2], [{'lr': 0.02}], {}),
]

PT_KEYS = {'weightDecay': 'weight_decay', 'lrDecay': 'lr_decay',
           'initialAccumulatorValue': 'initial_accumulator_value'}


def torch_object(cls, problem, split, groups, defaults):
    def mk(params):
        pg, k = [], 0
        per = len(params) // len(groups)
        for gi, g in enumerate(groups):
            opts = {PT_KEYS.get(a, a): (tuple(b) if a == 'betas' else b) for a, b in g.items()}
            pg.append(dict(params=params[gi * per:(gi + 1) * per], **opts))
        d = {PT_KEYS.get(a, a): b for a, b in defaults.items()}
        if cls == 'SGD' and 'lr' not in d:
            d['lr'] = groups[0]['lr']
        return getattr(torch.optim, cls)(pg, **d)
    return run_torch(problem, mk, split)


# ------------------------------------------------------------- schedulers
def sched_run(make, n=30, metrics=None):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    s = make(opt)
    lrs = [opt.param_groups[0]['lr']]
    for k in range(n):
        opt.step()
        if metrics is None:
            s.step()
        else:
            s.step(metrics[k])
        lrs.append(opt.param_groups[0]['lr'])
    return lrs


PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.91, 0.92, 0.5, 0.6, 0.55, 0.52, 0.51, 0.505, 0.5, 0.4,
                   0.41, 0.42, 0.43, 0.44, 0.3, 0.31, 0.3, 0.3, 0.3, 0.29, 0.3, 0.3, 0.3,
                   0.3, 0.3, 0.3, 0.3]
LS = torch.optim.lr_scheduler
SCHEDULERS = [
    ('StepLR', {'stepSize': 5, 'gamma': 0.5}, lambda o: LS.StepLR(o, 5, 0.5), None),
    ('MultiStepLR', {'milestones': [3, 7, 12], 'gamma': 0.1},
     lambda o: LS.MultiStepLR(o, [3, 7, 12], 0.1), None),
    ('ExponentialLR', {'gamma': 0.9}, lambda o: LS.ExponentialLR(o, 0.9), None),
    ('CosineAnnealingLR', {'TMax': 10, 'etaMin': 0.001},
     lambda o: LS.CosineAnnealingLR(o, 10, 0.001), None),
    ('LinearWarmup', {'startFactor': 0.25, 'warmupSteps': 8},
     lambda o: LS.LinearLR(o, start_factor=0.25, total_iters=8), None),
    ('ReduceLROnPlateau', {'factor': 0.5, 'patience': 2, 'threshold': 0.01, 'cooldown': 1, 'minLr': 0.01},
     lambda o: LS.ReduceLROnPlateau(o, factor=0.5, patience=2, threshold=0.01, cooldown=1, min_lr=0.01),
     PLATEAU_METRICS),
    ('ReduceLROnPlateau', {'mode': 'max', 'thresholdMode': 'abs', 'factor': 0.1, 'patience': 1,
                           'threshold': 0.05},
     lambda o: LS.ReduceLROnPlateau(o, mode='max', threshold_mode='abs', factor=0.1, patience=1,
                                    threshold=0.05),
     [-m for m in PLATEAU_METRICS]),
]


# ---------------------------------------------------------------- output
def lua(v, ind=''):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (math.isinf(v) or math.isnan(v)):
            raise ValueError('non-finite value in a reference')
        return repr(v)
    if isinstance(v, str):
        return "'" + v + "'"
    if isinstance(v, (list, tuple)):
        if all(isinstance(e, (int, float)) for e in v):
            return '{' + ', '.join(lua(e) for e in v) + '}'
        return '{\n' + ''.join(ind + '  ' + lua(e, ind + '  ') + ',\n' for e in v) + ind + '}'
    if isinstance(v, dict):
        return '{' + ', '.join(k + ' = ' + lua(e, ind) for k, e in sorted(v.items())) + '}'
    raise TypeError(type(v))


def main():
    fun = []
    for name, problem, cfg in FUNCTIONAL:
        if name == 'adam':
            fs, xs = t7_adam(problem, cfg)
        elif name == 'nag':
            fs, xs = t7_nag(problem, cfg)
        elif name == 'sgd' and ('learningRateDecay' in cfg or 'learningRates' in cfg):
            fs, xs = t7_sgd(problem, cfg)
        else:
            fs, xs = torch_for_t7(name, problem, cfg)
            if name == 'sgd':  # the plain transcription agrees with torch.optim
                pf, px = t7_sgd(problem, cfg)
                assert max(abs(a - b) for a, b in zip(px[-1], xs[-1])) < 1e-12
        fun.append({'optim': name, 'problem': problem, 'config': cfg, 'f': fs, 'x': xs})
    lb = []
    for problem, cfg, calls in [('lsq', {'maxIter': 50}, 1), ('rosen2', {'maxIter': 50, 'learningRate': 0.1}, 1),
                                ('lsq', {'maxIter': 3, 'nCorrection': 2}, 5),
                                ('rosen2', {'maxIter': 100, 'maxEval': 40, 'learningRate': 0.2}, 1)]:
        out = t7_lbfgs(problem, cfg, calls)
        lb.append({'problem': problem, 'config': cfg, 'calls': [
            {'f': h, 'x': x, 'nEval': n} for h, x, n in out]})
    cg = []
    for problem, cfg in [('rosen2', {'maxIter': 20}), ('lsq', {'maxEval': 10}), ('rosen4', {'maxEval': 60})]:
        fx, x, i = t7_cg(problem, cfg)
        cg.append({'problem': problem, 'config': cfg, 'f': fx, 'x': x, 'nEval': i})
    obj = []
    for cls, problem, split, groups, defaults in OBJECT:
        fs, xs = torch_object(cls, problem, split, groups, defaults)
        obj.append({'class': cls, 'problem': problem, 'split': split, 'groups': groups,
                    'defaults': defaults, 'f': fs, 'x': xs})
    sch = []
    for name, opts, mk, metrics in SCHEDULERS:
        e = {'name': name, 'opts': opts, 'lr': sched_run(mk, metrics=metrics)}
        if metrics:
            e['metrics'] = metrics
        sch.append(e)
    ref = {'steps': STEPS, 'A': A, 'b': B, 'x0': PROBLEMS, 'functional': fun, 'lbfgs': lb,
           'cg': cg, 'object': obj, 'schedulers': sch}
    for e in fun + obj:
        assert all(math.isfinite(v) and abs(v) < 1e6 for v in e['x'][-1]), (e, e['x'][-1])
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'optim_reference.lua')
    with open(path, 'w') as f:
        f.write('-- Generated by test/gen_optim_reference.py (python3-torch %s); do not edit.\n'
                % torch.__version__)
        f.write('return ' + lua(ref) + '\n')
    print('wrote', path)


if __name__ == '__main__':
    main()
