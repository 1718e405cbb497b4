// Fused optimiser steps, the rules of core/backend/kernels.ts (PyTorch's). Arithmetic is
// in double, as in the TypeScript reference, so both backends round identically.
#include "isa_unit.h"
#include "optim.h"

#include <cmath>

#include "args.h"
#include "threadpool.h"

namespace gradlab {
namespace GRADLAB_ISA_NS {
namespace {

struct SgdParams { double lr, momentum, dampening, weightDecay; bool nesterov, first; };

template <class T>
void sgd(T* p, const T* g, T* buf, int64_t n, const SgdParams& o) {
  parallel_for(n, kParallelMin, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      double gi = g[i];
      if (o.weightDecay != 0) gi += o.weightDecay * p[i];
      if (o.momentum != 0) {
        double bi = o.first ? gi : o.momentum * buf[i] + (1 - o.dampening) * gi;
        buf[i] = static_cast<T>(bi);
        gi = o.nesterov ? gi + o.momentum * bi : bi;
      }
      p[i] = static_cast<T>(p[i] - o.lr * gi);
    }
  });
}

struct AdamParams { double lr, beta1, beta2, eps, weightDecay; bool decoupled, amsgrad; double stepSize, bc2Sqrt, shrink; };
// The TypeScript reference (core/backend/js/optim.ts) repeats this loop operation for
// operation, rounding to float32 after each, so that both backends give the same bits.

// The loop is specialised on the two flags so that it has no branch and vectorises;
// float32 parameters are updated in float32 arithmetic, as PyTorch does.
template <class T, bool Decoupled, bool Amsgrad>
void adamLoop(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, T* __restrict vmax, int64_t b, int64_t e,
              const AdamParams& o) {
  const T b1 = T(o.beta1), b2 = T(o.beta2), c1 = T(1 - o.beta1), c2 = T(1 - o.beta2), wd = T(o.weightDecay), shrink = T(o.shrink),
          stepSize = T(o.stepSize), invBc2 = T(1 / o.bc2Sqrt), eps = T(o.eps);
  const bool decay = o.weightDecay != 0;  // as PyTorch: no decay term at all when 0 (0·Inf would be NaN)
  for (int64_t i = b; i < e; i++) {
    T pi = p[i], gi = g[i];
    if (Decoupled) pi *= shrink;
    else if (decay) gi += wd * pi;
    T mi = b1 * m[i] + c1 * gi;
    T vi = b2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    if (Amsgrad) {
      vi = (vmax[i] > vi || vmax[i] != vmax[i]) ? vmax[i] : vi;  // NaN propagates, as torch.maximum
      vmax[i] = vi;
    }
    p[i] = pi - stepSize * mi / (std::sqrt(vi) * invBc2 + eps);
  }
}

template <class T>
void adam(T* p, const T* g, T* m, T* v, T* vmax, int64_t n, const AdamParams& o) {
  auto loop = o.decoupled ? (o.amsgrad ? adamLoop<T, true, true> : adamLoop<T, true, false>)
                          : (o.amsgrad ? adamLoop<T, false, true> : adamLoop<T, false, false>);
  parallel_for(n, kParallelMin * 2, [&](int64_t b, int64_t e) { loop(p, g, m, v, vmax, b, e, o); });
}

}  // namespace

// sgdStep(param, grad, buf, lr, momentum, dampening, weightDecay, nesterov, first)
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"param", "grad", "buf", "lr", "momentum", "dampening", "weightDecay", "nesterov", "first"};
  Args args(info, "sgdStep", 9, names);
  SgdParams o{args.number(3), args.number(4), args.number(5), args.number(6), args.boolean(7), args.boolean(8)};
  Buf p = args.buf(0, M_FLOAT), g = args.buf(1, M_FLOAT), buf = args.buf(2, M_FLOAT);
  requireSameDtype("sgdStep", "grad", g, "param", p);
  requireLen("sgdStep", "grad", g, p.len, true, "param");
  if (o.momentum != 0) {
    requireSameDtype("sgdStep", "buf", buf, "param", p);
    requireLen("sgdStep", "buf", buf, p.len, true, "param (momentum is on)");
  }
  if (p.dtype == DType::F32) sgd(p.as<float>(), g.as<float>(), buf.as<float>(), p.len, o);
  else sgd(p.as<double>(), g.as<double>(), buf.as<double>(), p.len, o);
  return info.Env().Undefined();
}

// adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, step, lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad)
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"param", "grad", "expAvg", "expAvgSq", "maxExpAvgSq", "step", "lr",
                                      "beta1", "beta2", "eps", "weightDecay", "decoupled", "amsgrad"};
  Args args(info, "adamStep", 13, names);
  int64_t step = args.integer(5, 1, int64_t(1) << 53);
  AdamParams o{args.number(6), args.number(7), args.number(8), args.number(9), args.number(10), args.boolean(11), args.boolean(12), 0, 0, 0};
  o.stepSize = o.lr / (1 - std::pow(o.beta1, static_cast<double>(step)));
  o.bc2Sqrt = std::sqrt(1 - std::pow(o.beta2, static_cast<double>(step)));
  o.shrink = o.decoupled ? 1 - o.lr * o.weightDecay : 1;
  Buf p = args.buf(0, M_FLOAT), g = args.buf(1, M_FLOAT), m = args.buf(2, M_FLOAT), v = args.buf(3, M_FLOAT),
      vmax = args.buf(4, M_FLOAT);
  const Buf* state[] = {&g, &m, &v};
  const char* stateNames[] = {"grad", "expAvg", "expAvgSq"};
  for (int i = 0; i < 3; i++) {
    requireSameDtype("adamStep", stateNames[i], *state[i], "param", p);
    requireLen("adamStep", stateNames[i], *state[i], p.len, true, "param");
  }
  if (o.amsgrad) {
    requireSameDtype("adamStep", "maxExpAvgSq", vmax, "param", p);
    requireLen("adamStep", "maxExpAvgSq", vmax, p.len, true, "param (amsgrad is on)");
  }
  if (p.dtype == DType::F32) adam(p.as<float>(), g.as<float>(), m.as<float>(), v.as<float>(), vmax.as<float>(), p.len, o);
  else adam(p.as<double>(), g.as<double>(), m.as<double>(), v.as<double>(), vmax.as<double>(), p.len, o);
  return info.Env().Undefined();
}

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
