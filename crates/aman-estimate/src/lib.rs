//! Multiple systems estimation (capture–recapture) for casualty counts: how many victims no
//! list recorded, with honest uncertainty.
//!
//! Pure computation: capture tables in, estimates out. No database, no HTTP, no R.
//! Three estimators, each stating its assumptions in its result:
//! - [`loglinear`]: Poisson log-linear models fitted by IRLS, model choice by AIC/BIC, profile
//!   likelihood intervals;
//! - [`dga`]: Bayesian model averaging over decomposable graphical models (Madigan & York 1997);
//! - [`lcmcr`]: the latent-class Dirichlet-process model (Manrique-Vallier 2016), Gibbs sampled.
//!
//! [`estimate`] runs the chosen estimators behind guard rails and returns an
//! [`EstimateReport`] that serialises to JSON and renders as a plain-text table.
//!
//! ```
//! use aman_estimate::{estimate, CaptureTable, CsvOptions, EstimateOptions};
//!
//! let csv = "A,B,C,count\n1,0,0,60\n0,1,0,49\n1,1,0,4\n0,0,1,247\n1,0,1,112\n0,1,1,142\n1,1,1,12\n";
//! let table = CaptureTable::from_csv(csv.as_bytes(), &CsvOptions::default())?;
//! let mut options = EstimateOptions { seed: 7, sensitivity: false, ..EstimateOptions::default() };
//! (options.lcmcr.burn_in, options.lcmcr.draws, options.lcmcr.thin) = (500, 200, 2);
//! let report = estimate(&table, &options)?;
//! assert!(report.dga.as_ref().unwrap().averaged.median > 626.0);
//! println!("{}", report.to_text());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod dga;
pub mod diagnostics;
pub mod formats;
mod glm;
pub mod graphs;
pub mod guard;
pub mod lcmcr;
pub mod loglinear;
mod report;
pub mod simulate;
pub mod special;
pub mod summary;
pub mod table;
mod variates;

pub use dga::{DgaOptions, MissingGrid, NPrior};
pub use guard::{GuardOptions, Refusal};
pub use lcmcr::LcmcrOptions;
pub use loglinear::{Criterion, LogLinearOptions, ModelSet};
pub use report::{
    estimate, estimate_strata, EstimateError, EstimateOptions, EstimateReport, InputSummary,
    Method, SensitivityRow, Skipped,
};
pub use summary::PosteriorSummary;
pub use table::{stratify, CaptureTable, CsvOptions, LinkedPerson, Stratum, TableError};
