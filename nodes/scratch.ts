import { SD1_SCHEDULE, sigmaToTimestep } from './src/samplers';
import { f32, logF32, expF32, lerpF32, sqrtF32, subF32, mulF32, divF32 } from './src/samplers/float32-scalar';
const cases = [[14.614640235900879, 5.948899269104004, 832], [0.9323579668998718, 0.49355170130729675, 166], [5.092408180236816, 2.2797305583953857, 2.2797300815582275], [14.614640235900879, 5.092408180236816, 5.092409610748291], [0.5711888670921326, 0.029167160391807556, 0.02916719578206539]] as const;
for (const [s, n, want] of cases) {
  const a = mulF32(n,n), c = mulF32(s,s), b = subF32(c, a);
  const variants = {
    ieee: divF32(mulF32(a,b), c),
    recip: mulF32(mulF32(a,b), f32(1/c)),
    ab_c: mulF32(a, divF32(b,c)),
    exact: f32(n**2*(s**2-n**2)/s**2),
  };
  for (const [name, u2] of Object.entries(variants)) {
    const up = Math.min(f32(n), sqrtF32(u2));
    const d = sqrtF32(subF32(a, mulF32(up,up)));
    const mid = expF32(lerpF32(logF32(s), logF32(d), 0.5));
    console.log(want, name, d, mid, sigmaToTimestep(SD1_SCHEDULE, mid));
  }
}
