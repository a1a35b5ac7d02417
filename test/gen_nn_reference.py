#!/usr/bin/python3
"""Reference values for test/spec/nnfunc_spec.lua, computed with PyTorch
(Debian's python3-torch 1.13) in float64 and written as Lua data to
test/data/nn_reference.lua. Run once and check the result in:

    /usr/bin/python3 test/gen_nn_reference.py

Inputs are not stored: each is described by (shape, a, s) and is
sin(a * k) * s for k = 0, 1, ... in row-major order, which the spec
regenerates. Every case records its parameters, the forward output(s) and
the gradient of sum(out * gout) for each input, where gout is
sin(0.29 * k + 1) over out's shape. Integer data (class targets) are stored 1-based;
pool indices are stored 1-based too (as the Lua functions return them)."""
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def fill(shape, a, s, phase=0.0):
    n = 1
    for d in shape:
        n *= d
    return (torch.arange(n, dtype=torch.float64) * a + phase).sin().mul(s).reshape(shape)


def lua(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, (int, float)):
        return repr(v) if isinstance(v, int) else '%.17g' % v
    if isinstance(v, str):
        return "'%s'" % v
    if isinstance(v, torch.Tensor):
        flat = v.detach().reshape(-1).tolist()
        vals = ', '.join(('%d' % x) if isinstance(x, int) else ('%.17g' % x) for x in flat)
        return '{size = {%s}, data = {%s}}' % (', '.join(str(d) for d in v.shape), vals)
    if isinstance(v, (list, tuple)):
        return '{' + ', '.join(lua(x) for x in v) + '}'
    if isinstance(v, dict):
        return '{' + ', '.join('%s = %s' % (k, lua(x)) for k, x in v.items()) + '}'
    if v is None:
        return 'nil'
    raise TypeError(type(v))


cases = []


def case(name, op, inputs, params, fn, ints=None, extra=None):
    """inputs: name -> (shape, a, s); fn(tensors, params) -> out or (out, extras dict)."""
    t = {k: fill(*d).requires_grad_() for k, d in inputs.items()}
    if ints:
        t.update({k: torch.tensor(v) - 1 for k, v in ints.items()})  # stored 1-based
    r = fn(t, params)
    extras = {}
    if isinstance(r, tuple):
        r, extras = r
    gout = fill(tuple(r.shape), 0.29, 1, 1.0)
    (r * gout).sum().backward()
    rec = {'op': op, 'inputs': {k: {'shape': list(d[0]), 'a': d[1], 's': d[2]} for k, d in inputs.items()},
           'params': params, 'out': r}
    if ints:
        rec['ints'] = {k: torch.tensor(v) for k, v in ints.items()}
    rec['grads'] = {k: t[k].grad for k in inputs if t[k].grad is not None}
    rec['extra'] = extras
    cases.append((name, rec))


def P(**kw):
    return kw


# ---- convolutions ----
def conv(dims):
    f = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[dims]
    return lambda t, p: f(t['x'], t['w'], t.get('b'), p['stride'], p['padding'], p['dilation'], p['groups'])


case('conv2d_basic', 'conv2d', {'x': ((2, 3, 7, 6), 0.37, 1), 'w': ((4, 3, 3, 3), 0.91, 0.3), 'b': ((4,), 0.5, 0.1)},
     P(stride=[1, 1], padding=[1, 1], dilation=[1, 1], groups=1), conv(2))
case('conv2d_stride2_pad1_dil2', 'conv2d', {'x': ((1, 3, 9, 8), 0.23, 1), 'w': ((2, 3, 3, 2), 0.61, 0.3), 'b': ((2,), 0.5, 0.1)},
     P(stride=[2, 2], padding=[1, 1], dilation=[2, 2], groups=1), conv(2))
case('conv2d_groups', 'conv2d', {'x': ((2, 4, 5, 5), 0.41, 1), 'w': ((6, 2, 3, 3), 0.77, 0.3), 'b': ((6,), 0.5, 0.1)},
     P(stride=[2, 1], padding=[0, 1], dilation=[1, 1], groups=2), conv(2))
case('conv2d_1x1', 'conv2d', {'x': ((2, 3, 4, 5), 0.53, 1), 'w': ((5, 3, 1, 1), 0.67, 0.5), 'b': ((5,), 0.5, 0.1)},
     P(stride=[1, 1], padding=[0, 0], dilation=[1, 1], groups=1), conv(2))
case('conv2d_unbatched_nobias', 'conv2d', {'x': ((3, 6, 6), 0.29, 1), 'w': ((2, 3, 3, 3), 0.83, 0.3)},
     P(stride=[1, 1], padding=[0, 0], dilation=[1, 1], groups=1), conv(2))
case('conv1d', 'conv1d', {'x': ((2, 3, 10), 0.31, 1), 'w': ((4, 3, 3), 0.71, 0.3), 'b': ((4,), 0.5, 0.1)},
     P(stride=[2], padding=[1], dilation=[1], groups=1), conv(1))
case('conv3d', 'conv3d', {'x': ((1, 2, 4, 5, 5), 0.19, 1), 'w': ((3, 2, 2, 3, 3), 0.57, 0.3), 'b': ((3,), 0.5, 0.1)},
     P(stride=[1, 2, 1], padding=[1, 0, 1], dilation=[1, 1, 1], groups=1), conv(3))


def tconv(t, p):
    return F.conv_transpose2d(t['x'], t['w'], t.get('b'), p['stride'], p['padding'], p['output_padding'],
                              p['groups'], p['dilation'])


case('conv_transpose2d', 'conv_transpose2d', {'x': ((2, 4, 4, 5), 0.43, 1), 'w': ((4, 3, 3, 3), 0.59, 0.3), 'b': ((3,), 0.5, 0.1)},
     P(stride=[2, 2], padding=[1, 1], output_padding=[1, 0], dilation=[1, 1], groups=1), tconv)
case('conv_transpose2d_groups_dil', 'conv_transpose2d', {'x': ((1, 4, 3, 3), 0.47, 1), 'w': ((4, 1, 2, 2), 0.81, 0.3)},
     P(stride=[1, 1], padding=[0, 0], output_padding=[0, 0], dilation=[2, 2], groups=2), tconv)


# ---- pooling ----
def maxpool(t, p):
    o, i = F.max_pool2d(t['x'], p['kernel'], p['stride'], p['padding'], p['dilation'], p['ceil_mode'], True)
    return o, {'indices': i + 1}


case('max_pool2d_k3s2p1', 'max_pool2d', {'x': ((2, 3, 7, 6), 0.37, 1)},
     P(kernel=[3, 3], stride=[2, 2], padding=[1, 1], dilation=[1, 1], ceil_mode=False), maxpool)
case('max_pool2d_ceil', 'max_pool2d', {'x': ((1, 2, 6, 7), 0.53, 1)},
     P(kernel=[2, 2], stride=[2, 2], padding=[0, 0], dilation=[1, 1], ceil_mode=True), maxpool)
case('max_pool2d_dil2', 'max_pool2d', {'x': ((1, 3, 7, 7), 0.61, 1)},
     P(kernel=[2, 3], stride=[1, 2], padding=[0, 1], dilation=[2, 2], ceil_mode=False), maxpool)


def avgpool(t, p):
    return F.avg_pool2d(t['x'], p['kernel'], p['stride'], p['padding'], p['ceil_mode'], p['count_include_pad'],
                        p['divisor'] or None)


case('avg_pool2d_pad', 'avg_pool2d', {'x': ((2, 3, 7, 6), 0.37, 1)},
     P(kernel=[3, 3], stride=[2, 2], padding=[1, 1], ceil_mode=False, count_include_pad=True, divisor=0), avgpool)
case('avg_pool2d_nopadcount', 'avg_pool2d', {'x': ((2, 3, 7, 6), 0.37, 1)},
     P(kernel=[3, 2], stride=[2, 1], padding=[1, 1], ceil_mode=False, count_include_pad=False, divisor=0), avgpool)
case('avg_pool2d_ceil', 'avg_pool2d', {'x': ((1, 2, 6, 7), 0.53, 1)},
     P(kernel=[3, 3], stride=[2, 2], padding=[1, 1], ceil_mode=True, count_include_pad=True, divisor=0), avgpool)
case('avg_pool2d_divisor', 'avg_pool2d', {'x': ((1, 2, 6, 6), 0.71, 1)},
     P(kernel=[2, 2], stride=[2, 2], padding=[0, 0], ceil_mode=False, count_include_pad=True, divisor=3), avgpool)
case('adaptive_avg_pool2d', 'adaptive_avg_pool2d', {'x': ((2, 3, 7, 5), 0.37, 1)},
     P(output_size=[3, 2]), lambda t, p: F.adaptive_avg_pool2d(t['x'], p['output_size']))


def amax(t, p):
    o, i = F.adaptive_max_pool2d(t['x'], p['output_size'], True)
    return o, {'indices': i + 1}


case('adaptive_max_pool2d', 'adaptive_max_pool2d', {'x': ((2, 3, 7, 5), 0.37, 1)}, P(output_size=[3, 2]), amax)


def unpool(t, p):
    _, i = F.max_pool2d(fill((2, 3, 6, 6), 0.83, 1), 2, 2, return_indices=True)
    return F.max_unpool2d(t['x'], i, 2, 2, output_size=[6, 6]), {'indices': i + 1}


case('max_unpool2d', 'max_unpool2d', {'x': ((2, 3, 3, 3), 0.47, 1)}, P(output_size=[6, 6]), unpool)


# ---- normalization ----
def bn(t, p):
    rm, rv = fill((p['C'],), 0.3, 0.2), fill((p['C'],), 0.7, 0.3).abs() + 0.5
    o = F.batch_norm(t['x'], rm, rv, t['w'], t['b'], p['training'], p['momentum'], p['eps'])
    return o, {'running_mean': rm, 'running_var': rv}


case('batch_norm_train', 'batch_norm', {'x': ((4, 3, 5, 2), 0.37, 2), 'w': ((3,), 0.9, 1), 'b': ((3,), 0.5, 0.2)},
     P(C=3, training=True, momentum=0.1, eps=1e-5), bn)
case('batch_norm_eval', 'batch_norm', {'x': ((4, 3, 5, 2), 0.37, 2), 'w': ((3,), 0.9, 1), 'b': ((3,), 0.5, 0.2)},
     P(C=3, training=False, momentum=0.1, eps=1e-5), bn)
case('batch_norm_2d', 'batch_norm', {'x': ((5, 4), 0.41, 1), 'w': ((4,), 0.9, 1), 'b': ((4,), 0.5, 0.2)},
     P(C=4, training=True, momentum=0.3, eps=1e-3), bn)
case('layer_norm', 'layer_norm', {'x': ((3, 4, 5), 0.37, 2), 'w': ((4, 5), 0.9, 1), 'b': ((4, 5), 0.5, 0.2)},
     P(shape=[4, 5], eps=1e-5), lambda t, p: F.layer_norm(t['x'], p['shape'], t['w'], t['b'], p['eps']))
case('layer_norm_noaffine', 'layer_norm', {'x': ((3, 4, 5), 0.43, 2)},
     P(shape=[5], eps=1e-3), lambda t, p: F.layer_norm(t['x'], p['shape'], None, None, p['eps']))

# ---- softmax ---- (dim stored 1-based)
case('softmax_dim2', 'softmax', {'x': ((3, 4, 5), 0.37, 3)}, P(dim=2), lambda t, p: F.softmax(t['x'], p['dim'] - 1))
case('softmax_last', 'softmax', {'x': ((3, 4, 5), 0.47, 3)}, P(dim=3), lambda t, p: F.softmax(t['x'], p['dim'] - 1))
case('log_softmax_dim2', 'log_softmax', {'x': ((3, 4, 5), 0.37, 3)}, P(dim=2),
     lambda t, p: F.log_softmax(t['x'], p['dim'] - 1))
case('log_softmax_last', 'log_softmax', {'x': ((6, 7), 0.53, 4)}, P(dim=2),
     lambda t, p: F.log_softmax(t['x'], p['dim'] - 1))

# ---- losses ----
TG = [2, 4, 1, 3, 4, 2]
TG_SP = [[[1, 3], [2, 2]], [[3, 1], [2, 3]]]


def nll(t, p):
    lp = F.log_softmax(t['x'], 1)
    w = fill((p['C'],), 0.6, 0.4).abs() + 0.3 if p['weight'] else None
    return F.nll_loss(lp, t['target'], w, ignore_index=p['ignore'] - 1 if p['ignore'] > 0 else -100,
                      reduction=p['reduction'])


def ce(t, p):
    w = fill((p['C'],), 0.6, 0.4).abs() + 0.3 if p['weight'] else None
    return F.cross_entropy(t['x'], t['target'], w, ignore_index=p['ignore'] - 1 if p['ignore'] > 0 else -100,
                           reduction=p['reduction'])


for red in ['mean', 'sum', 'none']:
    case('nll_loss_' + red, 'nll_loss', {'x': ((6, 4), 0.37, 2)}, P(C=4, weight=True, ignore=3, reduction=red), nll,
         ints={'target': TG})
    case('cross_entropy_' + red, 'cross_entropy', {'x': ((6, 4), 0.37, 2)},
         P(C=4, weight=red != 'sum', ignore=0 if red == 'none' else 4, reduction=red), ce, ints={'target': TG})
case('cross_entropy_spatial', 'cross_entropy', {'x': ((2, 3, 2, 2), 0.43, 2)},
     P(C=3, weight=True, ignore=0, reduction='mean'), ce, ints={'target': TG_SP})
case('nll_loss_spatial', 'nll_loss', {'x': ((2, 3, 2, 2), 0.43, 2)},
     P(C=3, weight=False, ignore=0, reduction='sum'), nll, ints={'target': TG_SP})

for red in ['mean', 'sum', 'none']:
    case('mse_loss_' + red, 'mse_loss', {'x': ((3, 5), 0.37, 2), 'y': ((3, 5), 0.71, 1)}, P(reduction=red),
         lambda t, p: F.mse_loss(t['x'], t['y'], reduction=p['reduction']))
    case('smooth_l1_loss_' + red, 'smooth_l1_loss', {'x': ((3, 5), 0.37, 2), 'y': ((3, 5), 0.71, 1)},
         P(reduction=red, beta=0.5), lambda t, p: F.smooth_l1_loss(t['x'], t['y'], reduction=p['reduction'], beta=p['beta']))
    case('bce_loss_' + red, 'bce_loss', {'x': ((3, 5), 0.37, 2), 'y': ((3, 5), 0.71, 1), 'w': ((3, 5), 0.3, 1)},
         P(reduction=red),
         lambda t, p: F.binary_cross_entropy(torch.sigmoid(t['x']), (t['y'] + 1) / 2, t['w'].detach().abs(),
                                             reduction=p['reduction']))
    case('bce_with_logits_' + red, 'bce_with_logits',
         {'x': ((3, 5), 0.37, 3), 'y': ((3, 5), 0.71, 1), 'w': ((3, 5), 0.3, 1), 'pw': ((5,), 0.9, 1)},
         P(reduction=red),
         lambda t, p: F.binary_cross_entropy_with_logits(t['x'], (t['y'] + 1) / 2, t['w'].detach().abs(),
                                                         reduction=p['reduction'],
                                                         pos_weight=t['pw'].detach().abs() + 0.5))
case('smooth_l1_loss_beta1', 'smooth_l1_loss', {'x': ((4, 3), 0.37, 2), 'y': ((4, 3), 0.71, 1)},
     P(reduction='mean', beta=1.0), lambda t, p: F.smooth_l1_loss(t['x'], t['y'], reduction='mean', beta=1.0))

# ---- activations ----
X = {'x': ((4, 6), 0.37, 3)}
case('gelu', 'gelu', X, P(), lambda t, p: F.gelu(t['x']))
case('elu', 'elu', X, P(alpha=1.3), lambda t, p: F.elu(t['x'], p['alpha']))
case('selu', 'selu', X, P(), lambda t, p: F.selu(t['x']))
case('leaky_relu', 'leaky_relu', X, P(slope=0.2), lambda t, p: F.leaky_relu(t['x'], p['slope']))
case('hardtanh', 'hardtanh', X, P(min=-0.5, max=0.7), lambda t, p: F.hardtanh(t['x'], p['min'], p['max']))
case('relu6', 'relu6', {'x': ((4, 6), 0.37, 8)}, P(), lambda t, p: F.relu6(t['x']))
case('softplus', 'softplus', X, P(beta=2.0, threshold=3.0), lambda t, p: F.softplus(t['x'], p['beta'], p['threshold']))


# ---- recurrent cells: out is cat(h', c') for the LSTM ----
def lstm(t, p):
    h, c = torch.lstm_cell(t['x'], [t['h'], t['c']], t['w_ih'], t['w_hh'], t['b_ih'], t['b_hh'])
    return torch.cat([h, c], 1)


case('lstm_cell', 'lstm_cell', {'x': ((3, 4), 0.37, 1), 'h': ((3, 5), 0.53, 1), 'c': ((3, 5), 0.61, 1),
                                 'w_ih': ((20, 4), 0.71, 0.5), 'w_hh': ((20, 5), 0.43, 0.5),
                                 'b_ih': ((20,), 0.3, 0.2), 'b_hh': ((20,), 0.9, 0.2)}, P(), lstm)
case('gru_cell', 'gru_cell', {'x': ((3, 4), 0.37, 1), 'h': ((3, 5), 0.53, 1),
                               'w_ih': ((15, 4), 0.71, 0.5), 'w_hh': ((15, 5), 0.43, 0.5),
                               'b_ih': ((15,), 0.3, 0.2), 'b_hh': ((15,), 0.9, 0.2)}, P(),
     lambda t, p: torch.gru_cell(t['x'], t['h'], t['w_ih'], t['w_hh'], t['b_ih'], t['b_hh']))

with open('test/data/nn_reference.lua', 'w') as f:
    f.write('-- Generated by test/gen_nn_reference.py with PyTorch %s (float64). Do not edit.\n' % torch.__version__)
    f.write('return {\n')
    for name, rec in cases:
        f.write('  %s = %s,\n' % (name, lua(rec)))
    f.write('}\n')
print('wrote %d cases' % len(cases))
