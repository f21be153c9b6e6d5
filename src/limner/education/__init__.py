"""Education: acceptable-use policy versions, training modules with a quiz, acknowledgements, banners,
and the gate that keeps untrained people from generating."""
