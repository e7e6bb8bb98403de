package cardsim

// TestPersona returns a valid persona for tests, with a placeholder photo.
// Change its fields before Build for other cases.
func TestPersona() *Persona {
	return &Persona{
		ID: "test", Name: "試験\u3000花子", Kana: "シケン\u3000ハナコ", Address: "東京都千代田区千代田１番１号",
		Birth: "1980-02-17", Sex: "2", AuthPIN: "1234", AuthPINTries: 3, TextPIN: "5678",
		SignPassword: "TEST2035", CardExpiry: "2035-02-17", SecurityCode: "2285", CodeBTries: 10,
		CertNotBefore: "-1y", CertNotAfter: "+4y",
	}
}
