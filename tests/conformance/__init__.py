"""Test-side support for the DicomEdit conformance corpus (spec §11).

The corpus itself is data under ``tests/fixtures/conformance/``; this package only knows how to
turn that data into pydicom datasets, run a case through the engine and check the result:

* ``spec``      compact JSON element lists → pydicom datasets (inputs and fixture edits);
* ``fixtures``  builders of the synthetic RT data sets (ANON_2 look-alike and the others of §11.1);
* ``paths``     an independent resolver for concrete DE6-notation paths used by expectations;
* ``render``    element values as DicomEdit reads them (multi-values joined with ``\\``, AT as hex);
* ``expect``    the expectation checker;
* ``cases``     loading ``case.json`` + ``script.das`` folders;
* ``engine``    the one place that calls dicomedit's public API;
* ``runner``    runs a case (single objects, batches, site/project pipelines);
* ``reference`` the §10 hash and §7.1 date algorithms, used only to double-check fixture tables.

Nothing here imports dicomedit's tag-path or value code: the checker must stay an independent
oracle.
"""
