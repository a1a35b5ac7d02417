/* Grad mode: one thread-local flag. Off while a recorded op computes (so
 * its internal conversions do not record) and inside torch.no_grad. */
#include "lutorch/autograd.h"

_Thread_local bool lt_grad_off_;

bool lt_set_grad_enabled(bool on) {
  bool prev = !lt_grad_off_;
  lt_grad_off_ = !on;
  return prev;
}
