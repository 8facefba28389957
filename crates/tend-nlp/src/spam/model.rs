//! The spam model: L2-regularised logistic regression over hashed features, its
//! deterministic trainer and its compact on-disk form.
//!
//! Training is plain stochastic gradient descent in a fixed, seeded order (no threads, no
//! randomness from the environment), so the same data always gives the same bytes; a test
//! holds the committed model to that. Weights are stored quantised to 16-bit integers with one
//! scale factor: 2 bytes per bucket, and the scores differ from full precision by < 1e-3.

use super::features::{BUCKETS, Features};

/// File signature and format version.
const MAGIC: &[u8; 4] = b"TSP1";

/// L2 regularisation strength (per example).
const LAMBDA: f64 = 1e-5;
/// Passes over the training data.
const EPOCHS: usize = 30;
/// Initial learning rate of the Bottou schedule `eta0 / (1 + eta0 * lambda * t)`.
const ETA0: f64 = 0.5;

/// A trained (or loaded) linear model: one weight per hash bucket.
#[derive(Debug, Clone)]
pub struct Model {
    weights: Vec<f32>,
}

impl Model {
    /// Probability that the features come from spam.
    pub fn predict(&self, feats: &Features) -> f64 {
        let z: f64 = feats
            .iter()
            .map(|&(i, v)| {
                f64::from(self.weights.get(i as usize).copied().unwrap_or(0.0)) * f64::from(v)
            })
            .sum();
        sigmoid(z)
    }

    /// Trains on labelled feature vectors (`true` = spam) with a deterministic `seed`, then
    /// quantises, so a freshly trained model scores exactly like one loaded from disk.
    pub fn train(data: &[(&Features, bool)], seed: u64) -> Model {
        // w = scale * v lets the L2 decay touch one number per step instead of every bucket.
        let mut v = vec![0f64; BUCKETS];
        let mut scale = 1.0f64;
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut rng = SplitMix(seed);
        let mut t = 0f64;
        for _ in 0..EPOCHS {
            shuffle(&mut order, &mut rng);
            for &k in &order {
                let (feats, label) = data[k];
                let eta = ETA0 / (1.0 + ETA0 * LAMBDA * t);
                t += 1.0;
                let z: f64 = feats
                    .iter()
                    .map(|&(i, x)| v[i as usize] * f64::from(x))
                    .sum::<f64>()
                    * scale;
                let y = if label { 1.0 } else { 0.0 };
                let grad = sigmoid(z) - y;
                scale *= 1.0 - eta * LAMBDA;
                for &(i, x) in feats.iter() {
                    v[i as usize] -= eta * grad * f64::from(x) / scale;
                }
                if scale < 1e-6 {
                    v.iter_mut().for_each(|w| *w *= scale);
                    scale = 1.0;
                }
            }
        }
        let weights: Vec<f32> = v.iter().map(|w| (w * scale) as f32).collect();
        // Round-trip through the stored form so evaluation measures the shipped precision.
        Model::from_bytes(&Model { weights }.to_bytes()).unwrap_or(Model {
            weights: vec![0.0; BUCKETS],
        })
    }

    /// Serialises to the compact file form: magic, bucket count, scale, then i16 weights (LE).
    pub fn to_bytes(&self) -> Vec<u8> {
        let max = self.weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 {
            max / f32::from(i16::MAX)
        } else {
            1.0
        };
        let mut out = Vec::with_capacity(12 + 2 * self.weights.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.weights.len() as u32).to_le_bytes());
        out.extend_from_slice(&scale.to_le_bytes());
        for w in &self.weights {
            out.extend_from_slice(&((w / scale).round() as i16).to_le_bytes());
        }
        out
    }

    /// Parses the file form; `None` if it is malformed or built for another bucket count.
    pub fn from_bytes(bytes: &[u8]) -> Option<Model> {
        let rest = bytes.strip_prefix(MAGIC)?;
        let (n, rest) = rest.split_first_chunk::<4>()?;
        let (scale, rest) = rest.split_first_chunk::<4>()?;
        let n = u32::from_le_bytes(*n) as usize;
        let scale = f32::from_le_bytes(*scale);
        if n != BUCKETS || rest.len() != 2 * n {
            return None;
        }
        let weights = rest
            .chunks_exact(2)
            .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) * scale)
            .collect();
        Some(Model { weights })
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z.clamp(-40.0, 40.0)).exp())
}

/// SplitMix64: a tiny, well-mixed deterministic generator (no `rand` dependency needed).
pub struct SplitMix(pub u64);

impl SplitMix {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Fisher–Yates shuffle driven by `rng`.
pub fn shuffle<T>(items: &mut [T], rng: &mut SplitMix) {
    for i in (1..items.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_within_quantisation_error() {
        let mut weights = vec![0f32; BUCKETS];
        weights[3] = 1.5;
        weights[7] = -0.25;
        let m = Model { weights };
        let back = Model::from_bytes(&m.to_bytes()).unwrap_or(Model { weights: vec![] });
        assert!((back.weights[3] - 1.5).abs() < 1e-3);
        assert!((back.weights[7] + 0.25).abs() < 1e-3);
    }

    #[test]
    fn malformed_bytes_are_rejected() {
        assert!(Model::from_bytes(b"TSP1").is_none());
        assert!(Model::from_bytes(b"nope").is_none());
    }
}
