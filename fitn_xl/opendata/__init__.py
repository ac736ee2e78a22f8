"""The open data of the subsidies granted (décret n° 2017-779): the SCDL « subventions » file of the laureates
(`scdl`), validated against the official schema shipped here (`validation`)."""
