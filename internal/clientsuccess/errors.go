package clientsuccess

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/cssync/cssync/internal/apierr"
	"github.com/cssync/cssync/internal/httpcore"
)

const maxMessageRunes = 1000

// errorBody is every shape of error body ClientSuccess is known to answer: {"userMessage":…} on
// 400/404/417/503, {"code":"Unauthorized","message":""} for bad credentials and
// {"error":"invalid_token","error_description":"<token>"} for an expired token.
type errorBody struct {
	UserMessage      string `json:"userMessage"`
	Message          string `json:"message"`
	Code             string `json:"code"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// apiError turns a non-2xx answer into an *apierr.Error. It never fails, whatever the body, and
// the message never carries the token (token is the one the request was sent with) or credentials:
// the body reached it scrubbed, and every text is scrubbed again before it is clipped.
func (a *API) apiError(req request, token string, resp *httpcore.Response) *apierr.Error {
	hreq := a.exchange(req, token)
	e := a.core.Error(hreq, resp)
	var eb errorBody
	if t := bytes.TrimSpace(resp.Body); len(t) > 0 && t[0] == '{' && json.Unmarshal(t, &eb) == nil {
		msg := ""
		switch {
		case eb.Error == "invalid_token":
			// error_description is the rejected token itself: never repeat it.
			msg = "the access token was rejected (invalid_token)"
		case strings.TrimSpace(eb.UserMessage) != "":
			msg = eb.UserMessage
		case strings.TrimSpace(eb.Message) != "":
			msg = eb.Message
		case strings.TrimSpace(eb.ErrorDescription) != "":
			msg = eb.ErrorDescription
		case eb.Error != "":
			msg = eb.Error
		case eb.Code != "":
			msg = eb.Code
		}
		e.Message = hreq.Secrets.Clean(msg, maxMessageRunes)
		if e.Message == "" {
			e.Message = http.StatusText(resp.Status)
		}
	}
	return e
}
