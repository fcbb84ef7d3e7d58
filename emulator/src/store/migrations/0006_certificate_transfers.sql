-- Transfers look a certificate up by id across the accounts of a region.
CREATE INDEX certificates_by_id ON certificates (region, id);
