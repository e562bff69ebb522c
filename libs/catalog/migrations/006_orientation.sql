-- The plane of a series' slices (axial, coronal, sagittal, oblique; from the first instance's Image Orientation
-- (Patient)): a coronal or sagittal reformat of a study that has an axial series is not analysed a second time.
ALTER TABLE series ADD COLUMN orientation text;
